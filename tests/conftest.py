"""Shared test setup.

`examples` is imported before jax: its import sets the XLA flag that keeps
jaxlib's CPU scheduler from deadlocking in batched LAPACK calls under vmap.
"""

import examples  # noqa: F401  (applies the CPU workaround; see examples/__init__.py)
import jax

# The tests switch float64 on with `jax.enable_x64(True)` as a context manager; jax
# releases before it (the declared floor among them) have it as
# jax.experimental.enable_x64 instead.
if not hasattr(jax, "enable_x64"):
  from jax.experimental import enable_x64 as _enable_x64

  jax.enable_x64 = _enable_x64
