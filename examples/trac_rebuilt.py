"""TRAC as the reference implementation builds it: Delta rebuilt from the params every step.

The authors' PyTorch `start_trac` (which produced the published Gym-control
numbers) keeps theta_ref and rebuilds Delta_t = (theta_t - theta_ref) / (sum_j s_j + eps)
from the float32 params at each step, where `trac_optax.trac` keeps Delta in its
state. While S is tiny (it starts near s_prev = 1e-8), S * Delta is far below
the float32 spacing of most weights, so the rebuilt Delta is mostly 0 and h,
hence S, moves only through the weights that sit near 0. This transformation
is that design, for the lifelong experiments' ablation only (not the library):

    tx = trac_rebuilt_delta(optax.adam(1e-3))

Step t, as the reference does it: the inner runs on theta_t, u_t = inner(g_t);
Delta_t = (theta_t - theta_ref) / (sum_j s_j + eps) in the params' dtype;
h_t = <g_t, Delta_t>; v_j <- beta_j^2 v_j + h_t^2, sigma_j <- beta_j sigma_j - h_t;
s_j = s_prev / erfi(1/sqrt 2) * erfi(sigma_j / (sqrt 2 sqrt(v_j) + eps));
theta_{t+1} = theta_ref + max(sum_j s_j, 0) (Delta_t + u_t). Two differences
from the reference, both to keep a run finite and exact: our erfi (the
reference's PyTorch erfi errs by up to 1%), and its argument clipped at 9 (the
reference raises on the NaN that follows an overflow).
"""

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

import trac_optax

_SIGMA_0 = 1e-8  # the reference's initial sigma
_MAX_ARGUMENT = 9.0  # erfi(9) is finite in float32
# erfi(1/sqrt(2)), by its Maclaurin series 2/sqrt(pi) sum_n x^(2n+1) / (n! (2n+1)).
_ERFI_1_SQRT2 = 2 / math.sqrt(math.pi) * math.fsum(
    (1 / math.sqrt(2)) ** (2 * n + 1) / (math.factorial(n) * (2 * n + 1)) for n in range(30))


class TracRebuiltState(NamedTuple):
  inner_state: optax.OptState
  theta_ref: optax.Params  # the params given to init
  v: jax.Array  # per beta, float32
  sigma: jax.Array
  s: jax.Array


def trac_rebuilt_delta(inner: optax.GradientTransformation,
                       betas=trac_optax.DEFAULT_BETAS, s_prev: float = 1e-8,
                       eps: float = 1e-8) -> optax.GradientTransformation:
  """TRAC with Delta rebuilt from the params each step, as in the reference implementation.

  Args:
    inner: the base optimizer (the paper's BASE), run on the current params.
    betas: the tuner's discount factors.
    s_prev: the tuner's initial scale.
    eps: the tuner's and the rebuild's epsilon.

  Returns:
    An `optax.GradientTransformation` whose `update` needs `params`; its state's
    `s` sums to the scale S (`trac_optax.get_scale` does not read it).

  References:
    Muppidi, Zhang & Yang, `Fast TRAC <https://arxiv.org/abs/2405.16642>`_, NeurIPS
    2024, and its code (`trac-optimizer` 0.0.2, `start_trac`).
  """
  betas = jnp.asarray(betas, jnp.float32)
  first = s_prev / _ERFI_1_SQRT2

  def init(params):
    n = betas.shape[0]
    return TracRebuiltState(inner.init(params), params, jnp.zeros(n, jnp.float32),
                            jnp.full(n, _SIGMA_0, jnp.float32), jnp.zeros(n, jnp.float32))

  def update(grads, state, params=None):
    if params is None:
      raise ValueError("trac_rebuilt_delta: `update` needs the current params.")
    u, inner_state = inner.update(grads, state.inner_state, params)
    denominator = jnp.sum(state.s) + eps
    delta = jax.tree.map(lambda p, r: (p - r) / denominator.astype(p.dtype), params,
                         state.theta_ref)
    h = sum(jnp.vdot(g.astype(jnp.float32), d.astype(jnp.float32))
            for g, d in zip(jax.tree.leaves(grads), jax.tree.leaves(delta)))
    v = betas**2 * state.v + h**2
    sigma = betas * state.sigma - h
    argument = jnp.clip(sigma / (math.sqrt(2) * jnp.sqrt(v) + eps), -_MAX_ARGUMENT,
                        _MAX_ARGUMENT)
    s = first * trac_optax.erfi(argument)
    scale = jnp.maximum(jnp.sum(s), 0.0)
    updates = jax.tree.map(
        lambda r, d, step, p: (r + scale.astype(p.dtype) * (d + step) - p).astype(p.dtype),
        state.theta_ref, delta, u, params)
    return updates, TracRebuiltState(inner_state, state.theta_ref, v, sigma, s)

  return optax.GradientTransformation(init, update)
