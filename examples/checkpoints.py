"""A grid's saved state on disk: carries and metrics as host arrays, in orbax.

`examples.runner` saves, after every segment, each chunk's carry and the metrics
so far; this module is how such a state goes to disk and back: a pytree as numpy
arrays (typed PRNG keys as their key data, `to_host` / `from_host`), flattened
to "<prefix>/<leaf index>" names (`flatten` / `unflatten`), kept by an orbax
`CheckpointManager` that holds the last save only (`Checkpoints`).
"""

from __future__ import annotations

import os
from typing import Any, Optional

import jax
import numpy as np


def _is_key(x) -> bool:
  return jax.dtypes.issubdtype(getattr(x, "dtype", None), jax.dtypes.prng_key)


def to_host(tree) -> Any:
  """The tree as numpy arrays (typed PRNG keys as their uint32 key data)."""
  return jax.tree.map(lambda x: np.asarray(jax.random.key_data(x) if _is_key(x) else x), tree)


def from_host(template, tree) -> Any:
  """Undoes `to_host` for a tree shaped like `template` (arrays or ShapeDtypeStructs)."""
  return jax.tree.map(
      lambda t, x: jax.random.wrap_key_data(x) if _is_key(t) else x, template, tree)


def flatten(tree, prefix: str) -> dict[str, np.ndarray]:
  """The leaves of `tree` by name, "<prefix>/<leaf index>"."""
  return {f"{prefix}/{i}": leaf for i, leaf in enumerate(jax.tree.leaves(tree))}


def unflatten(template, flat: dict, prefix: str):
  """Undoes `flatten` for a tree shaped like `template`."""
  leaves = [np.asarray(flat[f"{prefix}/{i}"]) for i in range(len(jax.tree.leaves(template)))]
  return jax.tree.unflatten(jax.tree.structure(template), leaves)


class Checkpoints:
  """The saved state of an unfinished grid in `folder` (orbax; the last save only).

  What is saved after each segment: every chunk's carry, the metrics of the steps
  done, and how many segments are done.
  """

  def __init__(self, folder: str):
    import orbax.checkpoint as ocp  # only runs that save need it
    self._ocp = ocp
    self.folder = os.path.abspath(folder)
    self.manager = ocp.CheckpointManager(
        self.folder, options=ocp.CheckpointManagerOptions(max_to_keep=1))

  def latest(self) -> Optional[int]:
    return self.manager.latest_step()

  def save(self, segments_done: int, state: dict[str, np.ndarray], meta: dict):
    ocp = self._ocp
    self.manager.save(segments_done, args=ocp.args.Composite(
        state=ocp.args.StandardSave(state), meta=ocp.args.JsonSave(meta)))
    self.manager.wait_until_finished()

  def restore(self, segments_done: int) -> tuple[dict[str, np.ndarray], dict]:
    ocp = self._ocp
    out = self.manager.restore(segments_done, args=ocp.args.Composite(
        state=ocp.args.StandardRestore(), meta=ocp.args.JsonRestore()))
    return dict(out.state), dict(out.meta)

  def close(self):
    self.manager.close()


def host_zeros(template) -> Any:
  """Zeros shaped as `to_host` of a tree shaped like `template`."""

  def zeros(t):
    if _is_key(t):
      return np.zeros(jax.eval_shape(jax.random.key_data, t).shape, np.uint32)
    return np.zeros(t.shape, t.dtype)

  return jax.tree.map(zeros, template)
