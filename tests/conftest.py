"""Shared test setup.

XLA_FLAGS must be set before jax is imported: jaxlib 0.10.2 on small CPUs can
deadlock in batched LAPACK calls under vmap with the concurrency-optimised
scheduler.
"""

import os

_NO_DEADLOCK = "--xla_cpu_enable_concurrency_optimized_scheduler=false"
if _NO_DEADLOCK not in os.environ.get("XLA_FLAGS", ""):
  os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + _NO_DEADLOCK).strip()
