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
MAX_STEPS = 60  # drawn sequences are padded to this length: one compilation per inner
INNERS = {"lion": optax.lion(1e-3, weight_decay=0.0), "adam": optax.adam(1e-3)}


TRACES = {}  # inner name -> how many times its run was traced (compiled)


def _make_run(name, opt):
  @jax.jit
  def run(params, grads, steps=None):
    """Feeds the first `steps` rows (default: all) of a (rows, N_PARAMS) gradient array.

    Returns the final params and state and the updates of the steps taken (zeros
    in the rows past `steps`, which leave params and state as they are).
    """
    TRACES[name] = TRACES.get(name, 0) + 1
    steps = grads.shape[0] if steps is None else steps

    def body(carry, xs):
      t, g = xs
      params, state = carry
      updates, new_state = opt.update(g, state, params)
      taken = t < steps
      updates = jax.tree.map(lambda u: jnp.where(taken, u, 0), updates)
      state = jax.tree.map(lambda a, b: jnp.where(taken, a, b), new_state, state)
      return (optax.apply_updates(params, updates), state), updates

    rows = jnp.arange(grads.shape[0])
    (params, state), updates = jax.lax.scan(body, (params, opt.init(params)), (rows, grads))
    return params, state, updates

  return run


RUNS = {name: _make_run(name, trac(inner)) for name, inner in INNERS.items()}


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
sequences = st.lists(st.lists(entries, min_size=N_PARAMS, max_size=N_PARAMS),
                     min_size=1, max_size=MAX_STEPS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grads=sequences, init_scale=st.sampled_from([0.0, 1.0, 1e3]),
       name=st.sampled_from(sorted(INNERS)))
def test_random_finite_gradients_keep_everything_finite(grads, init_scale, name):
  params = jnp.linspace(-1.0, 1.0, N_PARAMS) * init_scale
  # Whatever the drawn length, the jitted run sees MAX_STEPS rows and a step count.
  padded = np.zeros((MAX_STEPS, N_PARAMS), np.float32)
  padded[:len(grads)] = np.asarray(grads, np.float32)
  _check(name, *RUNS[name](params, jnp.asarray(padded), jnp.int32(len(grads))))


def test_padded_rows_past_the_step_count_change_nothing():
  grads = np.random.default_rng(0).normal(size=(MAX_STEPS, N_PARAMS)).astype(np.float32)
  params = jnp.linspace(-1.0, 1.0, N_PARAMS)
  full = RUNS["adam"](params, jnp.asarray(grads[:17]))
  padded = RUNS["adam"](params, jnp.asarray(grads), jnp.int32(17))
  np.testing.assert_array_equal(full[0], padded[0])
  jax.tree.map(np.testing.assert_array_equal, full[1], padded[1])
  np.testing.assert_array_equal(padded[2][17:], 0.0)


def test_the_drawn_lengths_share_one_compilation():
  run = RUNS["lion"]
  params = jnp.zeros(N_PARAMS)
  for steps in (1, 7, MAX_STEPS):
    run(params, jnp.zeros((MAX_STEPS, N_PARAMS)), jnp.int32(steps))
  before = TRACES["lion"]
  for steps in (2, 33):
    run(params, jnp.ones((MAX_STEPS, N_PARAMS)), jnp.int32(steps))
  assert TRACES["lion"] == before


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
