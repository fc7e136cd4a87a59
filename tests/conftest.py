"""Shared test setup.

`examples` is imported before jax: its import sets the XLA flag that keeps
jaxlib's CPU scheduler from deadlocking in batched LAPACK calls under vmap.
"""

import atexit
import os
import shutil
import tempfile

# One persistent compilation cache for the whole test session, shared by the pytest-xdist
# workers and by the CLIs the tests start as subprocesses (they inherit the environment):
# many tests compile the same tiny programs, and a program compiled once is then loaded.
# The folder is new for each session, so that a session never starts warm from an earlier
# one, and is removed at its end; a JAX_COMPILATION_CACHE_DIR of the user's own is kept.
if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
  _CACHE = tempfile.mkdtemp(prefix="trac-optax-tests-jax-cache-")
  os.environ["JAX_COMPILATION_CACHE_DIR"] = _CACHE
  atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

import examples  # noqa: E402,F401  (applies the CPU workaround; see examples/__init__.py)
import jax  # noqa: E402

# The tests switch float64 on with `jax.enable_x64(True)` as a context manager; jax
# releases before it (the declared floor among them) have it as
# jax.experimental.enable_x64 instead.
if not hasattr(jax, "enable_x64"):
  from jax.experimental import enable_x64 as _enable_x64

  jax.enable_x64 = _enable_x64
