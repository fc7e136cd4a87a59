"""Where theta_ref lives: implied as theta_t - S_t Delta_t (default), or stored in the state.

The anchor error e_t = theta_t - S_t Delta_t - theta_0 is, with the implied
reference, how far the point TRAC pulls back to has moved; with the stored one
the anchor is exact and e_t is how far the params sit from theta_ref + S_t Delta_t.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from trac_optax import TracState, get_scale, trac

N = 32


def _problem(dtype):
  """Least squares from weights ~ N(0, 1), in the given param dtype."""
  k1, k2, k3 = jax.random.split(jax.random.PRNGKey(0), 3)
  A = jax.random.normal(k1, (2 * N, N)) / jnp.sqrt(N)
  target = jax.random.normal(k2, (N,))
  loss = lambda w: 0.5 * jnp.mean((A @ (w.astype(jnp.float32) - target)) ** 2)
  return loss, jax.random.normal(k3, (N,)).astype(dtype)


def _anchor_errors(opt, loss, w0, steps, perturb=None):
  """Runs `steps` updates; returns max |theta_t - S_t Delta_t - theta_0| after each.

  perturb(w, t), if given, changes the params after the update of step t.
  """

  def body(carry, t):
    w, state = carry
    grads = jax.grad(loss)(w).astype(w.dtype)
    updates, state = opt.update(grads, state, w)
    w = optax.apply_updates(w, updates)
    if perturb is not None:
      w = perturb(w, t)
    tracstate = next(x for x in jax.tree.leaves(state, is_leaf=lambda x: isinstance(x, TracState))
                     if isinstance(x, TracState))
    anchor = w.astype(jnp.float32) - get_scale(state) * tracstate.delta.astype(jnp.float32)
    return (w, state), jnp.max(jnp.abs(anchor - w0.astype(jnp.float32)))

  _, errors = jax.jit(lambda: jax.lax.scan(body, (w0, opt.init(w0)), jnp.arange(steps)))()
  return np.asarray(errors)


@pytest.mark.parametrize("kwargs, match", [
    (dict(reference="store"), "reference"),
    (dict(reference=None), "reference"),
    (dict(reference=("stored",)), "reference"),
])
def test_bad_reference_raises_at_construction(kwargs, match):
  with pytest.raises(ValueError, match=match):
    trac(optax.adam(1e-3), **kwargs)


def test_state_sizes():
  params = {"w": jnp.ones((4, 3)), "b": jnp.zeros(3)}
  implied = trac(optax.adam(1e-3)).init(params)
  stored = trac(optax.adam(1e-3), reference="stored").init(params)
  assert implied.theta_ref is None  # no leaves: the default state is as large as before
  size = lambda tree: sum(leaf.size for leaf in jax.tree.leaves(tree))
  # stored: theta_ref more; implied: the anchor check's three scalars more
  assert size(stored) + 3 == size(implied) + size(params)
  assert implied.anchor_check.shape == (3,) and stored.anchor_check is None
  jax.tree.map(np.testing.assert_array_equal, stored.theta_ref, params)


def test_stored_anchor_survives_a_step_that_donates_params_and_state():
  # init copies the params: donating both to one step must not hand over one buffer twice.
  opt = trac(optax.adam(1e-2), reference="stored")
  params = {"w": jnp.linspace(-1.0, 1.0, 8)}
  state = opt.init(params)

  def step(params, state):
    updates, state = opt.update(jax.tree.map(jnp.sin, params), state, params)
    return optax.apply_updates(params, updates), state

  step = jax.jit(step, donate_argnums=(0, 1))
  for _ in range(3):
    params, state = step(params, state)
  np.testing.assert_array_equal(state.theta_ref["w"], jnp.linspace(-1.0, 1.0, 8))


def test_a_transformation_chained_after_trac_moves_only_the_implied_anchor():
  # Decoupled weight decay put after trac (instead of inside its inner) adds
  # 1e-3 theta to every update: with the implied reference that lands in the anchor
  # and accumulates; with the stored one it is undone at the next step.
  loss, w0 = _problem(jnp.float32)
  decay = optax.add_decayed_weights(1e-3)
  implied = _anchor_errors(optax.chain(trac(optax.adam(1e-2)), decay), loss, w0, 300)
  stored = _anchor_errors(optax.chain(trac(optax.adam(1e-2), reference="stored"), decay),
                          loss, w0, 300)
  one_step = implied[0]  # = stored[0]: the first step's decay, 1e-3 max |theta_1|
  assert stored[0] == one_step
  assert stored.max() < 2 * one_step  # one step's decay, whatever the step
  assert implied[-1] > 100 * one_step  # 300 steps' decay


def test_a_projection_of_the_params_is_undone_only_with_the_stored_anchor():
  # The params are projected into [-1, 1] once, after step 50 (|w0| reaches 2.0).
  loss, w0 = _problem(jnp.float32)
  once = lambda w, t: jnp.where(t == 50, optax.projections.projection_box(w, -1.0, 1.0), w)
  implied = _anchor_errors(trac(optax.adam(1e-2)), loss, w0, 100, perturb=once)
  stored = _anchor_errors(trac(optax.adam(1e-2), reference="stored"), loss, w0, 100, perturb=once)
  assert stored[50] > 0.5 and implied[50] > 0.5  # the cut, seen right after it
  assert stored[51:].max() < 1e-5  # the next update went back to theta_ref + S Delta
  assert implied[-1] > 0.5  # the cut stays in the implied anchor


def test_bfloat16_rounding_moves_only_the_implied_anchor():
  loss, w0 = _problem(jnp.bfloat16)
  implied = _anchor_errors(trac(optax.adam(1e-3)), loss, w0, 500)
  stored = _anchor_errors(trac(optax.adam(1e-3), reference="stored"), loss, w0, 500)
  half_ulp = 0.5 * float(jnp.finfo(jnp.bfloat16).eps) * 4  # |w0| < 4
  assert stored.max() <= half_ulp  # theta_t = bf16(theta_ref + S_t Delta_t), every step
  assert implied[-1] > 10 * half_ulp


def test_the_stored_inner_runs_on_theta_ref_plus_delta_whatever_the_params():
  # An inner whose update is the params it is given: Delta_1 = theta_ref,
  # Delta_2 = Delta_1 + (theta_ref + Delta_1) = 3 theta_ref, exactly, even when
  # the params passed to update are not where TRAC put them.
  echo = optax.GradientTransformation(lambda p: optax.EmptyState(), lambda u, s, p: (p, s))
  theta_ref = {"w": jnp.array([1.0, -2.0, 0.5])}
  elsewhere = {"w": jnp.array([7.0, 7.0, 7.0])}
  for reference, expected in (("stored", 3.0), ("implied", None)):
    opt = trac(echo, reference=reference)
    state = opt.init(theta_ref)
    _, state = opt.update(theta_ref, state, theta_ref)
    _, state = opt.update(theta_ref, state, elsewhere)
    if expected is not None:
      np.testing.assert_array_equal(state.delta["w"], expected * theta_ref["w"])
    else:  # implied: the inner's iterate is rebuilt from the params it was given
      assert not np.allclose(state.delta["w"], 3.0 * theta_ref["w"])
