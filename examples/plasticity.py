"""What is measured about plasticity: the diagnostics, how they are read, and their labels.

The diagnostics are read inside the jitted training step, from the network's
hidden activations on a probe batch the learner already has and from its params
and optimizer state (never by a second pass on the host):

- "dormant_<tau>" for each tau of `DORMANT_THRESHOLDS`: the fraction of
  tau-dormant hidden units (ReDo's score, `dormant_fraction`);
- "param_norm" and "distance_from_init": |theta| and |theta - theta_0|, global
  L2 norms;
- "scale": TRAC's scale S (`trac_scale`), NaN for an optimizer without TRAC;
- "entropy": the policy's entropy, which PPO's loss computes (RL runs only).

`DIAGNOSTICS` names, labels and formats each of them; the tables and figures
draw every diagnostic of that list that a run's metrics hold, so a new
diagnostic is one function here and one entry in the list.
"""

from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

import trac_optax

DORMANT_THRESHOLDS = (0.0, 0.1)  # ReDo's tau; each gives the metric "dormant_<tau>"


class Diagnostic(NamedTuple):
  """How one diagnostic is named and shown."""

  key: str  # its name among a run's metrics
  label: str  # a figure's axis label and a table's metric name
  column: str  # a short table column header
  digits: str  # the format of its value in a table, e.g. ".3f"
  log: bool = False  # drawn on a log axis


DIAGNOSTICS = (
    *(Diagnostic(f"dormant_{tau}", f"dormant units, tau = {tau:g}", f"dormant ({tau:g})", ".3f")
      for tau in DORMANT_THRESHOLDS),
    Diagnostic("param_norm", "|theta|", "|theta|", ".1f"),
    Diagnostic("distance_from_init", "|theta - theta_0|", "|theta - theta_0|", ".1f"),
    Diagnostic("entropy", "policy entropy", "entropy", ".2f"),
    Diagnostic("scale", "TRAC's scale S", "TRAC S", ".3g", log=True),
)


def measured(metrics) -> tuple[Diagnostic, ...]:
  """The diagnostics of `DIAGNOSTICS` that `metrics` (a mapping from metric names) holds."""
  return tuple(d for d in DIAGNOSTICS if d.key in metrics)


def dormant_fraction(activations: dict, tau: float) -> jax.Array:
  """The fraction of hidden units that are tau-dormant on a batch (ReDo's score).

  Unit i of a layer has the score s_i = E|h_i| / ((1/H) sum_k E|h_k|), the
  expectation over the batch (and, for a convolution, over positions: a unit is a
  channel); it is dormant when s_i <= tau. With tau = 0 that is a unit whose
  output is exactly 0 on the whole batch (a dead ReLU).

  Args:
    activations: the "activations" collection of a network's `apply(...,
      mutable="activations")`: layer name -> tuple of `[B, ..., units]` arrays.
    tau: the threshold.

  Returns:
    Dormant units over all units of all layers, a float32 scalar.

  References:
    Sokar, Agarwal, Castro & Evci, `The Dormant Neuron Phenomenon in Deep
    Reinforcement Learning <https://arxiv.org/abs/2302.12902>`_, ICML 2023.
  """
  dormant, total = 0, 0
  for (h,) in jax.tree.leaves(activations, is_leaf=lambda x: isinstance(x, tuple)):
    mean_abs = jnp.mean(jnp.abs(h).reshape(-1, h.shape[-1]), axis=0)
    score = mean_abs / jnp.maximum(jnp.mean(mean_abs), jnp.finfo(jnp.float32).tiny)
    dormant = dormant + jnp.sum(score <= tau)
    total += h.shape[-1]
  return jnp.asarray(dormant, jnp.float32) / total


def diagnostics(network: nn.Module, params: Any, params_0: Any, probe: jax.Array) -> dict:
  """The diagnostics of `params` read from the network on a probe batch.

  Args:
    network: a flax module whose hidden layers `sow` their outputs into
      "activations".
    params: its params now.
    params_0: its initial params.
    probe: a batch of inputs (e.g. observations of the latest rollout).

  Returns:
    {"dormant_<tau>" for each of `DORMANT_THRESHOLDS`, "param_norm",
    "distance_from_init"}, float32 scalars.
  """
  _, state = network.apply(params, probe, mutable="activations")
  out = {f"dormant_{tau}": dormant_fraction(state["activations"], tau)
         for tau in DORMANT_THRESHOLDS}
  out["param_norm"] = optax.tree.norm(params)
  out["distance_from_init"] = optax.tree.norm(optax.tree.sub(params, params_0))
  return out


def _is_tuner_state(x) -> bool:
  """A NamedTuple state with TRAC's per-beta tuner fields (s, sigma, v)."""
  return isinstance(x, tuple) and {"s", "sigma", "v"} <= set(getattr(x, "_fields", ()))


def trac_scale(opt_state) -> jax.Array:
  """TRAC's scale S read from an optimizer state.

  Args:
    opt_state: any optimizer state; it may hold one `trac_optax.trac` or one
      state with TRAC's tuner fields (as `examples.trac_rebuilt`'s).

  Returns:
    S, or a float32 NaN when the state holds no TRAC (decided when tracing).
  """
  try:
    return trac_optax.get_scale(opt_state)
  except ValueError:
    tuners = [x for x in jax.tree.leaves(opt_state, is_leaf=_is_tuner_state)
              if _is_tuner_state(x)]
    if len(tuners) == 1:
      return jnp.maximum(jnp.sum(tuners[0].s), 0.0)
    return jnp.array(jnp.nan, jnp.float32)
