"""trac() inside optax's combinators, and combinators inside trac()."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from trac_optax import TracState, get_scale, get_scales, trac

PARAMS = {"a": jnp.linspace(-1.0, 1.0, 6), "b": jnp.array([0.5, -0.25])}


TARGET = {"a": jnp.full(6, 2.0), "b": jnp.array([-1.0, 3.0])}


def _grads(step, params):
  """Gradient of a quadratic with minimum TARGET, plus a small step-dependent wobble."""
  return jax.tree.map(lambda p, target: 2 * (p - target) + 0.1 * jnp.cos(step + p),
                      params, TARGET)


def _run(opt, steps, params=PARAMS, grads_fn=_grads, **extra_args):
  state = opt.init(params)
  update = jax.jit(opt.update)
  all_updates = []
  for t in range(steps):
    updates, state = update(grads_fn(t, params), state, params, **extra_args)
    params = optax.apply_updates(params, updates)
    all_updates.append(updates)
  return params, state, all_updates


def _assert_trees_close(a, b, rtol=1e-6, atol=1e-7):
  jax.tree.map(lambda x, y: np.testing.assert_allclose(x, y, rtol=rtol, atol=atol), a, b)


@pytest.mark.parametrize("clip_first", [True, False])
def test_chain_with_clip_by_global_norm(clip_first):
  clip = optax.clip_by_global_norm(0.5)
  inner = optax.adam(1e-1)
  opt = optax.chain(clip, trac(inner)) if clip_first else optax.chain(trac(inner), clip)
  params, state, updates = _run(opt, 30)
  # By hand: the same two transformations applied one after the other.
  first, second = (clip, trac(inner)) if clip_first else (trac(inner), clip)
  s1, s2, p = first.init(PARAMS), second.init(PARAMS), PARAMS
  for t in range(30):
    u, s1 = first.update(_grads(t, p), s1, p)
    u, s2 = second.update(u, s2, p)
    p = optax.apply_updates(p, u)
  _assert_trees_close(params, p)
  if not clip_first:  # clipping after trac bounds what reaches the params
    assert all(float(optax.tree.norm(u)) <= 0.5 + 1e-6 for u in updates)
  assert float(get_scale(state)) > 0


def test_multi_transform_runs_one_trac_per_group():
  opt = optax.multi_transform(
      {"fast": trac(optax.adam(1e-1)), "slow": trac(optax.sgd(1e-2))}, {"a": "fast", "b": "slow"})
  params, state, _ = _run(opt, 25)
  # Each group behaves as a standalone trac on its own sub-tree.
  for key, inner in [("a", optax.adam(1e-1)), ("b", optax.sgd(1e-2))]:
    alone, alone_state, _ = _run(trac(inner), 25, {key: PARAMS[key]},
                                 lambda t, p, key=key: {key: _grads(t, {**PARAMS, **p})[key]})
    _assert_trees_close(params[key], alone[key])
    assert any(np.allclose(s, get_scale(alone_state)) for s in get_scales(state).values())
  assert len(get_scales(state)) == 2


def test_multisteps_gives_zero_updates_between_accumulation_steps():
  k = 3
  opt = optax.MultiSteps(trac(optax.adam(1e-1)), every_k_schedule=k)
  _, state, updates = _run(opt, 3 * k)
  for t, u in enumerate(updates):
    norm = float(optax.tree.norm(u))
    assert (norm > 0) == ((t + 1) % k == 0), (t, norm)
  assert int(state.inner_opt_state.count) == 3  # trac saw three (averaged) gradients
  # Equivalent to trac on the mean gradient of each block of k.
  direct = trac(optax.adam(1e-1))
  s, p = direct.init(PARAMS), PARAMS
  for block in range(3):
    mean = jax.tree.map(lambda *g: sum(g) / k, *[_grads(block * k + i, p) for i in range(k)])
    u, s = direct.update(mean, s, p)
    p = optax.apply_updates(p, u)
  _assert_trees_close(_run(opt, 3 * k)[0], p)


def test_apply_if_finite_skips_a_nan_gradient_and_keeps_the_state():
  opt = optax.apply_if_finite(trac(optax.adam(1e-1)), max_consecutive_errors=3)
  params, state, _ = _run(opt, 5)
  bad = {"a": PARAMS["a"].at[2].set(jnp.nan), "b": PARAMS["b"]}
  updates, new_state = opt.update(bad, state, params)
  assert all(bool(jnp.all(u == 0)) for u in jax.tree.leaves(updates))
  jax.tree.map(np.testing.assert_array_equal, new_state.inner_state, state.inner_state)
  assert int(new_state.notfinite_count) == 1
  # The scale is the one from before the bad step (unwrapped, it would be NaN).
  assert np.isfinite(float(get_scale(new_state)))
  np.testing.assert_array_equal(get_scale(new_state), get_scale(state))
  # And training resumes from the intact state.
  updates, after = opt.update(_grads(5, params), new_state, params)
  assert all(bool(jnp.all(jnp.isfinite(u))) for u in jax.tree.leaves(updates))
  assert int(after.inner_state.count) == 6


def test_inject_hyperparams_inner_takes_effect():
  inner = optax.inject_hyperparams(optax.adam)(learning_rate=1e-1)
  opt = trac(inner)
  _, state, _ = _run(opt, 10)
  assert isinstance(state, TracState)
  # Changing the injected learning rate in the state changes the inner step.
  smaller = state._replace(inner_state=state.inner_state._replace(
      hyperparams={**state.inner_state.hyperparams, "learning_rate": jnp.asarray(1e-3)}))
  _, a = opt.update(_grads(10, PARAMS), state, PARAMS)
  _, b = opt.update(_grads(10, PARAMS), smaller, PARAMS)
  step_a = optax.tree.norm(optax.tree.sub(a.delta, state.delta))
  step_b = optax.tree.norm(optax.tree.sub(b.delta, state.delta))
  np.testing.assert_allclose(step_b, step_a / 100, rtol=1e-3)


def test_extra_args_reach_an_inner_that_needs_them():
  inner = optax.chain(optax.adam(1e-1), optax.contrib.reduce_on_plateau(patience=1, factor=0.5))
  opt = trac(inner)
  state = opt.init(PARAMS)
  for value in [1.0, 2.0, 3.0, 4.0]:  # rising loss: the plateau scheduler halves its scale
    _, state = opt.update(_grads(0, PARAMS), state, PARAMS, value=jnp.asarray(value))
  plateau = state.inner_state[1]
  assert float(plateau.best_value) == 1.0
  assert float(plateau.scale) < 1.0
  # An inner that takes no extra args ignores them (optax's with_extra_args_support).
  _run(trac(optax.adam(1e-2)), 2, value=jnp.asarray(1.0))
