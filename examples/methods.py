"""The registry of optimizers and remedies that the lifelong experiments compare.

One entry per method: its command-line name, how to build its optax
transformation from keyword hyperparameters, the grid of hyperparameters it is
tuned over beyond the learning rate, and how the report labels and colours it.
The CLI, the report, the benchmarks and the tests all read `METHODS`.
"""

import dataclasses
import itertools
from typing import Callable, Sequence

import numpy as np
import optax

import trac_optax
from examples.remedies import l2_init, shrink_perturb, weight_clip
from examples.trac_rebuilt import trac_rebuilt_delta

SHRINK_PERTURB_EVERY = 1000  # optimizer steps between two shrink-and-perturbs, fixed a priori


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
    needs_key: `make` also takes `key`, a PRNG key of the run's own (derived from
      its seed's key, so it is the same for every setting of the seed).
    about: one line on what the method is, for the README and `--help`.
    role: what the report asks of it beyond its scores: "oracle" (what a fresh
      network reaches: the plasticity-loss test compares the others with it),
      "baseline" (the optimizer
      the others are tuned against: methods run at its best learning rate count
      its sweep in their tuning cost) or "untuned" (drawn at its default learning
      rate as one point of the tuning-cost figure); "" for none.
  """

  name: str
  label: str
  colormap: str
  make: Callable[..., optax.GradientTransformation]
  grid: tuple[tuple[str, tuple[float, ...]], ...] = ()
  reset_at_switch: bool = False
  needs_key: bool = False
  about: str = ""
  role: str = ""

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


def _trac_flat(lr):
  return optax.flatten(trac_optax.trac(optax.adam(lr)))


def _trac_rebuilt(lr):
  return trac_rebuilt_delta(optax.adam(lr))


def _adam_ns(lr):
  return optax.adam(lr, b1=0.99, b2=0.99)


def _mechanic(lr):
  return optax.contrib.mechanize(optax.adam(lr))


def _l2_init(lr, strength):
  return optax.chain(l2_init(strength), optax.adam(lr))


def _shrink_perturb(lr, shrink, noise, key):
  return optax.chain(optax.adam(lr), shrink_perturb(shrink, noise, SHRINK_PERTURB_EVERY, key))


def _weight_clip(lr, kappa):
  return optax.chain(optax.adam(lr), weight_clip(kappa))


METHODS = {m.name: m for m in [
    Method("adam", "Adam", "Blues", _adam, about="optax.adam(lr)", role="baseline"),
    Method("trac", "TRAC(Adam)", "Reds", _trac, about="trac_optax.trac(optax.adam(lr))",
           role="untuned"),
    Method("trac_flat", "TRAC(Adam), one flat buffer", "OrRd", _trac_flat,
           about="optax.flatten(trac_optax.trac(optax.adam(lr))): the same algorithm on the "
                 "params raveled into one vector, so a step compiles a fixed number of "
                 "kernels however many leaves the network has"),
    Method("trac_rebuilt", "TRAC(Adam), Δ rebuilt (reference)", "RdPu", _trac_rebuilt,
           about="examples.trac_rebuilt: TRAC with Delta rebuilt from the float32 params "
                 "each step, as the reference implementation does (an ablation)"),
    Method("reset", "Adam, reset at switch (oracle)", "Greens", _adam, reset_at_switch=True,
           about="optax.adam(lr); network and Adam state re-initialised when the task changes",
           role="oracle"),
    Method("adam_ns", "Adam, b1 = b2 = 0.99", "Purples", _adam_ns,
           about="optax.adam(lr, b1=0.99, b2=0.99), Dohare et al.'s non-stationary Adam"),
    Method("mechanic", "Mechanic(Adam)", "copper", _mechanic,
           about="optax.contrib.mechanize(optax.adam(lr)), TRAC's sibling tuner"),
    Method("l2_init", "Adam + L2 to init", "cividis", _l2_init,
           grid=(("strength", (1e-4, 1e-3, 1e-2, 1e-1)),),
           about="g + strength (theta - theta_0), then Adam (regenerative regularisation)"),
    Method("shrink_perturb", "Adam + shrink & perturb", "Greys", _shrink_perturb,
           grid=(("shrink", (0.6, 0.8, 0.95)), ("noise", (1e-3, 1e-2))), needs_key=True,
           about=f"Adam, then every {SHRINK_PERTURB_EVERY} optimizer steps "
                 "theta <- shrink theta + noise eps"),
    Method("weight_clip", "Adam + weight clipping", "Oranges", _weight_clip,
           grid=(("kappa", (1.0, 2.0, 4.0)),),
           about="Adam, then each weight clipped to kappa x its leaf's initial max |theta_0| "
                 "(Elsayed et al. 2024)"),
]}


ROLES = ("oracle", "baseline", "untuned")


def with_role(role: str, names) -> "str | None":
  """The first of the method `names` whose registry entry has `role` (None if none has)."""
  if role not in ROLES:
    raise ValueError(f"unknown role {role!r}; expected one of {ROLES}")
  return next((name for name in names if name in METHODS and METHODS[name].role == role), None)


def with_grids(methods: Sequence, overrides: Sequence[str]) -> list:
  """The methods with the grids that `--grid METHOD.NAME=V,V` options give them."""
  methods = {m.name: m for m in methods}
  for text in overrides:
    key, _, values = text.partition("=")
    method, _, name = key.partition(".")
    if method not in methods:
      raise ValueError(f"--grid {text}: {method!r} is not among --optimizers")
    grid = dict(methods[method].grid)
    if name not in grid:
      raise ValueError(f"--grid {text}: {method} has no hyperparameter {name!r} "
                       f"(it has: {', '.join(grid) or 'none'})")
    try:
      parsed = tuple(float(v) for v in values.split(","))
    except ValueError:
      parsed = ()
    if not parsed or not all(np.isfinite(v) for v in parsed) or len(set(parsed)) < len(parsed):
      raise ValueError(f"--grid {text}: expected distinct numbers after '=', e.g. "
                       f"{method}.{name}=1e-3,1e-2")
    grid[name] = parsed
    methods[method] = dataclasses.replace(methods[method], grid=tuple(grid.items()))
  return list(methods.values())
