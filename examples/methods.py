"""The registry of optimizers and remedies that the lifelong experiments compare.

One entry per method: its command-line name, how to build its optax
transformation from keyword hyperparameters, the grid of hyperparameters it is
tuned over beyond the learning rate, and how the report labels and colours it.
The CLI, the report, the benchmarks and the tests all read `METHODS`.
"""

import dataclasses
import itertools
from typing import Callable

import optax

import trac_optax


@dataclasses.dataclass(frozen=True)
class Method:
  """One optimizer or remedy of the comparison.

  Attributes:
    name: command-line name.
    label: name in tables and figures.
    colormap: matplotlib colormap; each learning rate or setting gets a shade.
    make: keyword hyperparameters (`lr` and the names of `grid`) -> an optax
      transformation. The hyperparameters may be traced (they are vmapped).
    grid: hyperparameters beyond the learning rate and the values tried, as
      `((name, (value, ...)), ...)`; their product with the learning rates is the
      method's grid.
    reset_at_switch: an oracle that re-initialises the network and the optimizer
      state whenever the task changes (it knows when that happens; the others
      do not).
  """

  name: str
  label: str
  colormap: str
  make: Callable[..., optax.GradientTransformation]
  grid: tuple[tuple[str, tuple[float, ...]], ...] = ()
  reset_at_switch: bool = False

  def configs(self, lrs) -> list[dict[str, float]]:
    """Every setting of the method's grid: {"lr": ..., **the grid's names}."""
    names = [name for name, _ in self.grid]
    return [{"lr": float(lr), **dict(zip(names, values))}
            for lr in lrs for values in itertools.product(*[v for _, v in self.grid])]

  def describe(self, config: dict[str, float]) -> str:
    """E.g. "lr 0.001" or "lr 0.001, strength 0.01"."""
    return ", ".join(f"{k} {v:g}" for k, v in config.items())


def _adam(lr):
  return optax.adam(lr)


def _trac(lr):
  return trac_optax.trac(optax.adam(lr))


METHODS = {m.name: m for m in [
    Method("adam", "Adam", "Blues", _adam),
    Method("trac", "TRAC(Adam)", "Reds", _trac),
    Method("reset", "Adam, reset at switch (oracle)", "Greens", _adam, reset_at_switch=True),
]}
