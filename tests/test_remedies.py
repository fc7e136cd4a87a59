"""examples/remedies.py: L2 toward the initial parameters, and Shrink & Perturb."""

import doctest

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from examples import remedies
from examples.remedies import L2InitState, ShrinkPerturbState, l2_init, shrink_perturb


def _run(opt, params, grad_fn, steps, init_params=None):
  """`steps` updates of `opt` from `params` in a lax.scan; the params after each update.

  `grad_fn(params, t)` gives the gradient at update t (from 0); the state is
  initialised at `init_params` (default `params`).
  """
  state = opt.init(params if init_params is None else init_params)

  def step(carry, t):
    params, state = carry
    updates, state = opt.update(grad_fn(params, t), state, params)
    params = optax.apply_updates(params, updates)
    return (params, state), params

  (_, state), trajectory = jax.lax.scan(step, (params, state), jnp.arange(steps))
  return trajectory, state


def _eager_trajectory(opt, steps=20):
  """Params along `steps` updates on `_noisy_quadratic`, op by op (no jit).

  Op by op, every program is a single operation, so two optimizers that do the
  same arithmetic give the same bits. (Under jit, XLA may fuse a multiply and an
  add into an FMA in one program and not in another, an ulp apart.)
  """
  params = jnp.linspace(-1.0, 1.0, 5)
  state = opt.init(params + 1.0)  # theta_0 != params, so an L2-init penalty would show
  trajectory = []
  for t in range(steps):
    updates, state = opt.update(_noisy_quadratic(params, t), state, params)
    params = optax.apply_updates(params, updates)
    trajectory.append(params)
  return np.stack(trajectory)


def _returns_its_input(make_remedy, options_list, traced):
  """For each options tuple, whether the remedy's first update is its input, bit for bit, under jit.

  Params, updates and anchor span 16 orders of magnitude, so that any arithmetic
  done on the updates (e.g. (params + u) - params) shows. The options are jit
  arguments (traced) or baked into the program.
  """
  k1, k2, k3 = jax.random.split(jax.random.key(42), 3)
  scale = jnp.logspace(-8.0, 8.0, 1000)
  u, p, p0 = (jax.random.normal(k, (1000,)) * scale for k in (k1, k2, k3))

  def first_update(u, p, p0, options):
    remedy = make_remedy(*options)
    return remedy.update(u, remedy.init(p0), p)[0]

  traced_update = jax.jit(first_update)
  results = []
  for options in options_list:
    if traced:
      out = traced_update(u, p, p0, tuple(jnp.asarray(o) for o in options))
    else:
      out = jax.jit(lambda u, p, p0: first_update(u, p, p0, options))(u, p, p0)
    results.append(bool(np.array_equal(out, u)))
  return results


def _zero_grad(params, t):
  del t
  return jax.tree.map(jnp.zeros_like, params)


def _noisy_quadratic(params, t):
  """Gradient of 0.5 |params - target_t|^2, with a target that moves with t."""
  target = jnp.sin(0.3 * t + jnp.arange(params.shape[0], dtype=params.dtype))
  return params - target


# ----------------------------------------------------------------------------
# l2_init
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("lr,strength", [(0.1, 0.3), (0.05, 1.0), (1.0, 0.02)])
def test_l2_init_decays_toward_theta0_at_rate_lr_times_strength(lr, strength):
  theta_0 = jnp.array([1.0, -2.0, 0.5, 3.0])
  drift = jnp.array([3.0, -1.0, 2.0, 0.25])
  steps = 50
  opt = optax.chain(l2_init(strength), optax.sgd(lr))
  trajectory, _ = jax.jit(lambda p: _run(opt, p, _zero_grad, steps, init_params=theta_0))(
      theta_0 + drift)
  expected = np.asarray(drift, np.float64) * (1.0 - lr * strength) ** np.arange(
      1, steps + 1)[:, None]
  # float32 precision: the error of theta - theta_0 is a few ulps of theta.
  np.testing.assert_allclose(np.asarray(trajectory - theta_0), expected, rtol=2e-5, atol=3e-6)


def test_l2_init_fixed_point_under_a_constant_gradient():
  theta_0 = jnp.array([1.0, -2.0, 0.5])
  g = jnp.array([1.0, -3.0, 0.2])
  strength = 0.5
  opt = optax.chain(l2_init(strength), optax.sgd(0.1))
  trajectory, _ = jax.jit(lambda p: _run(opt, p, lambda p, t: g, 600))(theta_0)
  np.testing.assert_allclose(trajectory[-1], theta_0 - g / strength, rtol=1e-5, atol=1e-6)
  # and not there from the start: it drifts from theta_0 to the fixed point.
  assert np.all(np.abs(np.asarray(trajectory[0] - (theta_0 - g / strength))) > 0.1)


def test_l2_init_anchor_is_the_params_given_to_init():
  theta_0 = jnp.array([1.0, 2.0])
  moved = jnp.array([5.0, -2.0])
  opt = l2_init(0.25)
  state = opt.init(theta_0)
  assert isinstance(state, L2InitState)
  for _ in range(3):  # the anchor does not move with the updates
    updates, state = opt.update(jnp.zeros(2), state, moved)
    np.testing.assert_array_equal(updates, 0.25 * (moved - theta_0))
    np.testing.assert_array_equal(state.initial_params, theta_0)


@pytest.mark.parametrize("traced", [False, True])
def test_l2_init_zero_strength_is_the_base_bit_for_bit(traced):
  assert _returns_its_input(l2_init, [(0.0,), (1e-6,)], traced) == [True, False]
  if not traced:
    base = optax.adam(0.05)
    expected = _eager_trajectory(base)
    np.testing.assert_array_equal(_eager_trajectory(optax.chain(l2_init(0.0), base)), expected)
    assert not np.array_equal(_eager_trajectory(optax.chain(l2_init(1e-3), base)), expected)


def test_l2_init_after_clip_by_global_norm():
  theta_0 = jnp.array([0.0, 0.0])
  params = jnp.array([1.0, 1.0])
  g = jnp.array([30.0, 40.0])  # norm 50, clipped to norm 1: [0.6, 0.8]
  opt = optax.chain(optax.clip_by_global_norm(1.0), l2_init(0.5), optax.sgd(0.1))
  state = opt.init(theta_0)
  updates, _ = jax.jit(opt.update)(g, state, params)
  np.testing.assert_allclose(updates, -0.1 * (jnp.array([0.6, 0.8]) + 0.5 * params), rtol=1e-6)


def test_l2_init_pytree_dtypes_and_state_are_stable():
  params = {"w": jnp.ones((3, 2), jnp.bfloat16), "b": jnp.zeros((2,), jnp.float32)}

  def run(strength):
    opt = optax.chain(optax.clip_by_global_norm(1.0), l2_init(strength), optax.adam(1e-2))
    grad_fn = lambda p, t: jax.tree.map(lambda x: jnp.full_like(x, 0.5), p)
    return _run(opt, params, grad_fn, 5)  # lax.scan checks the carry's types

  # a traced float32 strength must not promote the bfloat16 leaf
  trajectory, state = jax.jit(jax.vmap(run))(jnp.array([0.0, 0.1], jnp.float32))
  assert trajectory["w"].dtype == jnp.bfloat16 and trajectory["b"].dtype == jnp.float32
  assert state[1].initial_params["w"].dtype == jnp.bfloat16


def test_l2_init_vmapped_strengths_equal_separate_runs():
  params = jnp.linspace(-1.0, 1.0, 6)
  strengths = [0.0, 0.01, 0.3, 1.0]

  def run(strength):
    opt = optax.chain(l2_init(strength), optax.adam(0.05))
    return _run(opt, params, _noisy_quadratic, 40, init_params=params + 2.0)[0]

  batched = jax.jit(jax.vmap(run))(jnp.array(strengths))
  for i, s in enumerate(strengths):
    separate = jax.jit(lambda: run(s))()
    np.testing.assert_allclose(batched[i], separate, rtol=1e-6, atol=1e-7)
  # and the strengths do make a difference
  assert not np.allclose(batched[0], batched[-1], atol=1e-3)


def test_l2_init_under_inject_hyperparams():
  params = jnp.array([1.0, -1.0])
  opt = optax.chain(optax.inject_hyperparams(l2_init)(strength=0.5), optax.sgd(0.5))
  state = opt.init(params)
  updates, _ = jax.jit(opt.update)(jnp.zeros(2), state, params + 2.0)
  np.testing.assert_allclose(updates, -0.5 * 0.5 * 2.0 * jnp.ones(2))


# ----------------------------------------------------------------------------
# shrink_perturb
# ----------------------------------------------------------------------------


def test_shrink_perturb_acts_exactly_on_every_kth_update():
  params = jnp.array([4.0, -8.0, 2.0])
  steps = 12
  configs = [(every, shrink, noise) for every in (1, 3, 4, 5)
             for shrink, noise in ((0.5, 0.0), (1.0, 0.1))]

  def run(every, shrink, noise):  # zero gradients: only shrink & perturb moves params
    opt = optax.chain(optax.sgd(0.1), shrink_perturb(shrink, noise, every, jax.random.key(1)))
    return _run(opt, params, _zero_grad, steps)

  everys, shrinks, noises = (jnp.array(c) for c in zip(*configs))
  trajectories, state = jax.jit(jax.vmap(run))(everys, shrinks, noises)
  np.testing.assert_array_equal(state[1].count, steps)
  for (every, _, _), trajectory in zip(configs, np.asarray(trajectories)):
    before = np.concatenate([np.asarray(params)[None], trajectory[:-1]])
    jumped = np.flatnonzero(np.any(trajectory != before, axis=1)) + 1
    np.testing.assert_array_equal(jumped, np.arange(every, steps + 1, every))


def test_shrink_lands_on_shrink_times_params_plus_update():
  params = jnp.array([4.0, -8.0, 2.5, 0.375])
  g = jnp.array([1.0, 2.0, -3.0, 0.75])
  lr = 0.25

  def run(shrink):
    opt = optax.chain(optax.sgd(lr), shrink_perturb(shrink, 0.0, 2, jax.random.key(0)))
    return _run(opt, params, lambda p, t: g, 4)[0]

  for shrink, trajectory in zip((0.7, 0.5), jax.jit(lambda: (run(0.7), run(0.5)))()):
    p1 = params - lr * g  # update 1: the base's step only
    np.testing.assert_array_equal(trajectory[0], p1)
    p2 = shrink * (p1 - lr * g)  # update 2: shrunk
    np.testing.assert_allclose(trajectory[1], p2, rtol=1e-6)
    p3 = p2 - lr * g
    np.testing.assert_allclose(trajectory[2], p3, rtol=1e-6)
    np.testing.assert_allclose(trajectory[3], shrink * (p3 - lr * g), rtol=1e-6)
    if shrink == 0.5:  # dyadic: every step is exact, so the landing point is too
      np.testing.assert_array_equal(trajectory[1], p2)
      np.testing.assert_array_equal(trajectory[3], shrink * (p3 - lr * g))


def test_perturb_noise_has_the_right_scale_dtype_and_independence():
  sigma = 0.05
  params = {
      "w1": jnp.zeros((250, 400), jnp.float32),
      "w2": jnp.zeros((250, 400), jnp.float32),
      "h": jnp.zeros((4000,), jnp.bfloat16),
  }
  opt = optax.chain(optax.sgd(1.0), shrink_perturb(1.0, sigma, 2, jax.random.key(3)))
  trajectory, state = jax.jit(lambda p: _run(opt, p, _zero_grad, 4))(params)
  first = jax.tree.map(lambda x: np.asarray(x[1], np.float64), trajectory)  # after update 2
  second = jax.tree.map(lambda x: np.asarray(x[3] - x[1], np.float64), trajectory)  # update 4
  n = first["w1"].size
  for noise in (first["w1"], first["w2"], second["w1"]):
    assert abs(noise.std() / sigma - 1.0) < 0.02
    assert abs(noise.mean()) < 5 * sigma / np.sqrt(n)
  assert abs(first["h"].std() / sigma - 1.0) < 0.1  # 4000 bfloat16 samples
  assert trajectory["h"].dtype == jnp.bfloat16
  corr = lambda a, b: np.corrcoef(a.ravel(), b.ravel())[0, 1]
  assert abs(corr(first["w1"], first["w2"])) < 0.02  # independent leaves
  assert abs(corr(first["w1"], second["w1"])) < 0.02  # a fresh draw each time
  # the key is split only when used: two perturbations, two splits
  expected_key = jax.random.key(3)
  for _ in range(2):
    expected_key, _ = jax.random.split(expected_key)
  np.testing.assert_array_equal(
      jax.random.key_data(state[1].key), jax.random.key_data(expected_key))


def test_perturb_noise_is_determined_by_the_key():
  params = jnp.zeros((64,))

  def noise(key):
    opt = shrink_perturb(0.9, 0.1, 1, key)
    updates, state = opt.update(jnp.zeros(64), opt.init(params), params)
    return updates, state.key

  @jax.jit
  def noises():
    return [noise(k) for k in (jax.random.key(0), jax.random.key(0), jax.random.PRNGKey(0), 0,
                               jax.random.key(1))]

  (a, _), (same, _), (raw, raw_key), (seed, _), (other, _) = noises()
  np.testing.assert_array_equal(a, same)
  np.testing.assert_array_equal(a, raw)  # a raw uint32 key: the same bits as key(0)
  np.testing.assert_array_equal(a, seed)  # an integer seed
  assert raw_key.dtype == jnp.uint32 and raw_key.shape == (2,)  # kept raw in the state
  assert not np.allclose(a, other, atol=1e-3)
  assert np.std(a) > 0.05


@pytest.mark.parametrize("traced", [False, True])
def test_unit_shrink_without_noise_is_the_base_bit_for_bit(traced):
  # every = 1: the shrink-and-perturb branch is taken at every update
  make = lambda shrink, noise, every: shrink_perturb(shrink, noise, every, jax.random.key(0))
  if traced:
    options = [(1.0, 0.0, 1), (1.0 - 2.0**-20, 0.0, 1), (1.0, 1e-6, 1)]
    assert _returns_its_input(make, options, traced) == [True, False, False]
  else:
    assert _returns_its_input(make, [(1.0, 0.0, 1)], traced) == [True]
    base = optax.adam(0.05)
    np.testing.assert_array_equal(
        _eager_trajectory(optax.chain(base, make(1.0, 0.0, 1)), steps=6),
        _eager_trajectory(base, steps=6))


def test_shrink_perturb_after_clip_and_adam_keeps_state_types():
  params = {"w": jnp.ones((3, 2), jnp.bfloat16), "b": jnp.zeros((2,), jnp.float32)}

  def run(shrink, noise, every, key):
    opt = optax.chain(
        optax.clip_by_global_norm(1.0), optax.adam(1e-2),
        shrink_perturb(shrink, noise, every, key))
    grad_fn = lambda p, t: jax.tree.map(lambda x: jnp.full_like(x, 3.0), p)
    return _run(opt, params, grad_fn, 6)  # lax.scan checks the carry's types

  keys = jax.random.split(jax.random.key(0), 2)
  trajectory, state = jax.jit(jax.vmap(run))(
      jnp.array([0.9, 0.5]), jnp.array([0.0, 0.1]), jnp.array([2, 3]), keys)
  assert trajectory["w"].dtype == jnp.bfloat16 and trajectory["b"].dtype == jnp.float32
  sp_state = state[2]
  assert isinstance(sp_state, ShrinkPerturbState)
  assert sp_state.count.dtype == jnp.int32
  np.testing.assert_array_equal(sp_state.count, [6, 6])


def test_shrink_perturb_vmapped_grid_equals_separate_runs():
  params = jnp.linspace(-1.0, 1.0, 6)
  configs = [  # shrink, noise_scale, every, seed
      (0.5, 0.0, 1, 0),
      (0.8, 0.1, 2, 1),
      (1.0, 0.05, 3, 2),
      (0.9, 0.01, 5, 0),
  ]

  def run(shrink, noise, every, key):
    opt = optax.chain(optax.adam(0.05), shrink_perturb(shrink, noise, every, key))
    return _run(opt, params, _noisy_quadratic, 12)[0]

  shrinks, noises, everys, seeds = (np.array(c) for c in zip(*configs))
  keys = jax.vmap(jax.random.key)(jnp.asarray(seeds))
  batched = jax.jit(jax.vmap(run))(
      jnp.asarray(shrinks, jnp.float32), jnp.asarray(noises, jnp.float32),
      jnp.asarray(everys, jnp.int32), keys)
  run_one = jax.jit(run)
  for i, (s, n, e, seed) in enumerate(configs):
    separate = run_one(s, n, e, jax.random.key(seed))
    np.testing.assert_allclose(batched[i], separate, rtol=1e-6, atol=1e-7)
  assert not np.allclose(batched[0], batched[1], atol=1e-3)


# ----------------------------------------------------------------------------
# Options and errors
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("strength", [-1.0, -1e-9, float("nan"), float("inf"), "0.1", None,
                                      np.array([0.1, 0.2])])
def test_l2_init_rejects_bad_strength(strength):
  with pytest.raises(ValueError, match="strength"):
    l2_init(strength)


@pytest.mark.parametrize("option,value", [
    ("shrink", 0.0), ("shrink", -0.5), ("shrink", 1.5), ("shrink", float("nan")),
    ("shrink", jnp.array([0.5, 0.9])),
    ("noise_scale", -0.1), ("noise_scale", float("inf")), ("noise_scale", "1"),
    ("every", 0), ("every", -2), ("every", 2.5), ("every", 2.0), ("every", True),
    ("every", jnp.array(3.0)),
    ("key", jnp.zeros((3,), jnp.float32)), ("key", jax.random.split(jax.random.key(0), 2)),
    ("key", "seed"), ("key", None),
])
def test_shrink_perturb_rejects_bad_options(option, value):
  options = dict(shrink=0.5, noise_scale=0.1, every=2, key=jax.random.key(0))
  options[option] = value
  with pytest.raises(ValueError, match=option):
    shrink_perturb(**options)


def test_traced_options_are_not_checked_but_accepted():
  # a traced value cannot be concretised: the constructors must not try.
  jax.jit(lambda s: l2_init(s).init(jnp.ones(2)))(jnp.float32(-1.0))
  jax.vmap(lambda s, n, e, k: shrink_perturb(s, n, e, k).init(jnp.ones(2)))(
      jnp.ones(2), jnp.ones(2), jnp.ones(2, jnp.int32), jnp.arange(2))
  with pytest.raises(ValueError, match="every"):  # a float dtype is known even when traced
    jax.jit(lambda e: shrink_perturb(0.5, 0.1, e, 0))(jnp.float32(2.0))


@pytest.mark.parametrize("make", [lambda: l2_init(0.1),
                                  lambda: shrink_perturb(0.5, 0.1, 2, jax.random.key(0))])
def test_update_without_params_raises(make):
  for opt in (make(), optax.chain(optax.sgd(0.1), make())):
    state = opt.init(jnp.ones(3))
    with pytest.raises(ValueError, match="params"):
      opt.update(jnp.ones(3), state)


def test_docstring_examples():
  result = doctest.testmod(remedies, optionflags=doctest.NORMALIZE_WHITESPACE)
  assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------------------
# Weight clipping


def test_weight_clip_keeps_each_leaf_within_kappa_times_its_initial_range():
  params = {"w": jnp.array([0.5, -0.25, 0.1]), "b": jnp.zeros(2)}
  opt = optax.chain(optax.sgd(1.0), remedies.weight_clip(2.0))
  state = opt.init(params)
  grads = {"w": jnp.array([-3.0, 3.0, 0.05]), "b": jnp.array([-5.0, 5.0])}
  updates, state = opt.update(grads, state, params)
  new = optax.apply_updates(params, updates)
  np.testing.assert_allclose(new["w"], [1.0, -1.0, 0.05])  # +-2 x 0.5, and one inside
  np.testing.assert_allclose(new["b"], [5.0, -5.0])  # all-zero at init: not clipped


def test_weight_clip_leaves_steps_inside_the_range_as_they_are():
  params = {"w": jnp.linspace(-1.0, 1.0, 8)}
  base = optax.adam(1e-2)
  opt = optax.chain(optax.adam(1e-2), remedies.weight_clip(4.0))
  s_base, s_opt = base.init(params), opt.init(params)
  grads = {"w": jnp.sin(jnp.arange(8.0))}
  u_base, _ = base.update(grads, s_base, params)
  u_opt, _ = opt.update(grads, s_opt, params)
  np.testing.assert_allclose(u_opt["w"], u_base["w"], rtol=1e-6, atol=1e-7)


def test_weight_clip_vmaps_over_kappa_and_rejects_bad_values():
  params = {"w": jnp.array([0.5, -0.5])}
  grads = {"w": jnp.array([-10.0, 10.0])}

  def step(kappa):
    opt = optax.chain(optax.sgd(1.0), remedies.weight_clip(kappa))
    updates, _ = opt.update(grads, opt.init(params), params)
    return optax.apply_updates(params, updates)["w"]

  np.testing.assert_allclose(jax.vmap(step)(jnp.array([1.0, 3.0])), [[0.5, -0.5], [1.5, -1.5]])
  for kappa in (0.0, -1.0, float("inf"), float("nan")):
    with pytest.raises(ValueError, match="`kappa` must be finite and > 0"):
      remedies.weight_clip(kappa)
  opt = remedies.weight_clip(1.0)
  with pytest.raises(ValueError, match="weight_clip: `update` needs the current params"):
    opt.update(grads, opt.init(params))
