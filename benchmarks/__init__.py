"""Benchmarks of trac_optax: one module per question, run as `python -m benchmarks.<name>`.

`python -m benchmarks.run_all` runs them all and rewrites the table in
benchmarks/README.md.
"""

import os
import re
from importlib import metadata

# jaxlib's concurrency-optimised CPU scheduler can deadlock on a 2-core machine when a
# vmapped function runs a batched LAPACK QR (flax's orthogonal init). This package is
# imported before any benchmark module imports jax, so setting it here covers them all.
# jaxlib releases before 0.4.30 do not know the flag and abort on it.
if tuple(int(p) for p in re.findall(r"\d+", metadata.version("jaxlib"))[:3]) >= (0, 4, 30):
  os.environ.setdefault("XLA_FLAGS", "--xla_cpu_enable_concurrency_optimized_scheduler=false")
