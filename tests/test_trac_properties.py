"""Properties: whatever finite gradients arrive, TRAC's state and updates stay finite.

Two inners: lion without weight decay, whose state is a plain momentum and stays
finite for any float32 gradient, so the whole state must stay finite (with weight
decay it would read the inner iterate theta + (1 - S) Delta, which loses all its
digits once S reaches ~1e26, see the README); and adam, whose own
second moment g^2 overflows float32 once |g| > 1.8e19 (optax's behaviour, not
ours), so there TRAC's own fields and the updates must stay finite.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trac_optax import get_scale, trac

N_PARAMS = 8
INNERS = {"lion": optax.lion(1e-3, weight_decay=0.0), "adam": optax.adam(1e-3)}


def _make_run(opt):
  @jax.jit
  def run(params, grads):
    """Feeds a (steps, N_PARAMS) gradient sequence; returns params, state and all updates."""

    def body(carry, g):
      params, state = carry
      updates, state = opt.update(g, state, params)
      return (optax.apply_updates(params, updates), state), updates

    (params, state), updates = jax.lax.scan(body, (params, opt.init(params)), grads)
    return params, state, updates

  return run


RUNS = {name: _make_run(trac(inner)) for name, inner in INNERS.items()}


def _all_finite(*trees):
  return all(bool(jnp.all(jnp.isfinite(leaf))) for leaf in jax.tree.leaves(trees)
             if jnp.issubdtype(leaf.dtype, jnp.floating))


def _check(name, params, state, updates):
  owned = state if name == "lion" else state._replace(inner_state=())
  assert _all_finite(updates, owned, params), name
  assert float(get_scale(state)) >= 0.0


# A gradient entry: 0, or +-10^e for e in [-30, 30].
magnitudes = st.floats(-30, 30).map(lambda e: 10.0**e)
entries = st.one_of(st.just(0.0), st.tuples(magnitudes, st.sampled_from([-1.0, 1.0])).map(
    lambda ms: ms[0] * ms[1]))
sequences = st.integers(1, 60).flatmap(
    lambda steps: st.lists(st.lists(entries, min_size=N_PARAMS, max_size=N_PARAMS),
                           min_size=steps, max_size=steps))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grads=sequences, init_scale=st.sampled_from([0.0, 1.0, 1e3]),
       name=st.sampled_from(sorted(INNERS)))
def test_random_finite_gradients_keep_everything_finite(grads, init_scale, name):
  params = jnp.linspace(-1.0, 1.0, N_PARAMS) * init_scale
  _check(name, *RUNS[name](params, jnp.asarray(np.asarray(grads, np.float32))))


@pytest.mark.parametrize("name", sorted(INNERS))
@pytest.mark.parametrize("scale", [1e-30, 1.0, 1e30])
def test_ten_thousand_steps_of_constant_sign(name, scale):
  # h_t keeps its sign, sigma / sqrt(v) grows like sqrt(t), erfi of it overflows
  # float32, and S must saturate rather than overflow.
  grads = jnp.full((10_000, N_PARAMS), -scale, jnp.float32)
  params, state, updates = RUNS[name](jnp.zeros(N_PARAMS), grads)
  _check(name, params, state, updates)
  if name == "adam" and scale > 1e19:
    # adam's own g^2 is inf: its update is 0, Delta stays 0, and so does h.
    assert float(jnp.max(jnp.abs(state.delta))) == 0.0
  elif scale >= 1.0:
    assert float(get_scale(state)) > 1.0  # the tuner did grow, as it should
  else:
    # |h| ~ 1e-29 << eps = 1e-8 in the erfi argument: S stays ~s_prev, as in exact arithmetic.
    assert float(get_scale(state)) < 1e-6


@pytest.mark.parametrize("name", sorted(INNERS))
def test_all_zero_gradients_leave_params_in_place(name):
  params = jnp.linspace(-1.0, 1.0, N_PARAMS)
  final, state, updates = RUNS[name](params, jnp.zeros((10_000, N_PARAMS)))
  _check(name, final, state, updates)
  np.testing.assert_array_equal(final, params)
