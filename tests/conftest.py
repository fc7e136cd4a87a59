"""Shared test setup.

XLA_FLAGS must be set before jax is imported: jaxlib 0.10.2 on small CPUs can
deadlock in batched LAPACK calls under vmap with the concurrency-optimised
scheduler. jaxlib releases before 0.4.30 do not know the flag and abort on it,
so it is set only from 0.4.30 on.
"""

import os
import re
from importlib import metadata


def _version(package):
  return tuple(int(part) for part in re.findall(r"\d+", metadata.version(package))[:3])


_NO_DEADLOCK = "--xla_cpu_enable_concurrency_optimized_scheduler=false"
if (_NO_DEADLOCK not in os.environ.get("XLA_FLAGS", "")
    and _version("jaxlib") >= (0, 4, 30)):
  os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + _NO_DEADLOCK).strip()

import jax  # noqa: E402  (after XLA_FLAGS)

# The tests switch float64 on with `jax.enable_x64(True)` as a context manager; jax
# releases before it (the declared floor among them) have it as
# jax.experimental.enable_x64 instead.
if not hasattr(jax, "enable_x64"):
  from jax.experimental import enable_x64 as _enable_x64

  jax.enable_x64 = _enable_x64
