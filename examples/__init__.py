"""Lifelong and continual experiments with trac_optax: PPO on gymnax, grids, statistics, figures.

Importing the package (which `python -m examples.<module>` does first) applies one
workaround before anything imports jax: jaxlib's concurrency-optimised CPU
scheduler can deadlock on small machines when a vmapped function runs a batched
LAPACK QR (flax's orthogonal initialiser), so
`--xla_cpu_enable_concurrency_optimized_scheduler=false` is appended to
`XLA_FLAGS`. A user's own `XLA_FLAGS` are kept, and the flag is left alone when
they already set it either way; jaxlib releases before 0.4.30 do not know the flag
(and abort on it), so it is not added for them.
"""

import os
import re
from importlib import metadata

_SCHEDULER_FLAG = "xla_cpu_enable_concurrency_optimized_scheduler"


def _avoid_cpu_scheduler_deadlock():
  flags = os.environ.get("XLA_FLAGS", "")
  if _SCHEDULER_FLAG in flags:
    return  # the user's own choice
  jaxlib = tuple(int(part) for part in re.findall(r"\d+", metadata.version("jaxlib"))[:3])
  if jaxlib >= (0, 4, 30):
    os.environ["XLA_FLAGS"] = f"{flags} --{_SCHEDULER_FLAG}=false".strip()


_avoid_cpu_scheduler_deadlock()
