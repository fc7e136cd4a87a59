"""trac(): the algorithm against a direct transcription, API, validation, jit/scan/vmap, dtypes."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import scipy.special

import trac_optax
from trac_optax import TracState, get_scale, get_scales, trac


def _quadratic_problem(key, n=16):
  """A small least-squares problem: loss(w) = 0.5 |A w - b|^2 / n."""
  k1, k2 = jax.random.split(key)
  A = jax.random.normal(k1, (2 * n, n))
  b = jax.random.normal(k2, (2 * n,))
  return lambda w: 0.5 * jnp.sum((A @ w["w"] + w["b"] - b) ** 2) / n


def _train(opt, loss, params, steps):
  """Runs `steps` updates in a lax.scan; returns final params, state and losses."""
  state = opt.init(params)

  def body(carry, _):
    params, state = carry
    value, grads = jax.value_and_grad(loss)(params)
    updates, state = opt.update(grads, state, params)
    return (optax.apply_updates(params, updates), state), value

  (params, state), losses = jax.lax.scan(body, (params, state), None, steps)
  return params, state, losses


# --- the algorithm -------------------------------------------------------------


def _transcribed_trac(inner, loss, theta0, steps, betas, s_prev=1e-8, eps=1e-8):
  """The five steps of the algorithm (see README.md) with an explicit theta_ref, in float64."""
  theta_ref = theta0
  delta = jax.tree.map(jnp.zeros_like, theta0)
  inner_state = inner.init(theta0)
  v = np.zeros(len(betas))
  sigma = np.full(len(betas), 1e-8)
  betas = np.asarray(betas)
  theta, thetas, scales = theta0, [], []
  for _ in range(steps):
    g = jax.grad(loss)(theta)
    u, inner_state = inner.update(g, inner_state, jax.tree.map(jnp.add, theta_ref, delta))
    h = float(sum(jnp.vdot(a, b) for a, b in zip(jax.tree.leaves(g), jax.tree.leaves(delta))))
    v = betas**2 * v + h**2
    sigma = betas * sigma - h
    s = s_prev / scipy.special.erfi(1 / math.sqrt(2)) * scipy.special.erfi(
        sigma / (math.sqrt(2) * np.sqrt(v) + eps))
    S = max(s.sum(), 0.0)
    delta = jax.tree.map(jnp.add, delta, u)
    theta = jax.tree.map(lambda r, d: r + S * d, theta_ref, delta)
    thetas.append(theta)
    scales.append(S)
  return thetas, np.array(scales)


@pytest.mark.parametrize("reference", ["implied", "stored"])
@pytest.mark.parametrize("inner_name", ["adam", "adamw"])
def test_follows_the_transcribed_algorithm_in_float64(inner_name, reference):
  # adamw's decoupled weight decay sees the params it is given: this checks that
  # the inner runs on theta_ref + Delta (Algorithm 1), not on theta.
  # Tolerance: ours reaches theta by adding updates, the transcription sets
  # theta_ref + S Delta; those float64 roundings (1e-16) grow to ~1e-7 over 150
  # steps where Adam's m / sqrt(v) changes sign, so compare by relative norm.
  # Passing theta instead of theta_ref + Delta to adamw would be off by O(1).
  betas = (0.9, 0.99, 0.999)
  with jax.enable_x64(True):
    inner = {"adam": optax.adam(0.05), "adamw": optax.adamw(0.05, weight_decay=0.5)}[inner_name]
    loss = _quadratic_problem(jax.random.PRNGKey(1))
    theta0 = {"w": jax.random.normal(jax.random.PRNGKey(2), (16,), jnp.float64),
              "b": jnp.float64(0.3)}
    expected, expected_S = _transcribed_trac(inner, loss, theta0, 150, betas)

    opt = trac(inner, betas=betas, reference=reference)
    state = opt.init(theta0)
    theta, scales = theta0, []
    step = jax.jit(lambda g, s, p: opt.update(g, s, p))
    for t in range(150):
      updates, state = step(jax.grad(loss)(theta), state, theta)
      theta = optax.apply_updates(theta, updates)
      scales.append(float(get_scale(state)))
      error = optax.tree.norm(optax.tree.sub(theta, expected[t])) / optax.tree.norm(expected[t])
      assert float(error) < 1e-6, f"theta diverges at step {t}: {float(error)}"
  np.testing.assert_allclose(scales, expected_S, rtol=1e-6, atol=1e-15)
  assert expected_S[-1] > 1e-3  # the scale really grew: the test exercised the tuner


def test_first_update_is_scaled_inner_update():
  # At t = 0: Delta_0 = 0 so h_0 = 0, v = 0, sigma_j = beta_j 1e-8 and
  # s_j = s_prev erfi(beta_j) / erfi(1/sqrt2); the update is S_1 u_0.
  params = {"w": jnp.array([1.0, -2.0, 3.0])}
  grads = {"w": jnp.array([0.5, 0.5, -1.0])}
  opt = trac(optax.sgd(0.1))
  updates, state = opt.update(grads, opt.init(params), params)
  betas = np.array(trac_optax.DEFAULT_BETAS)
  s = 1e-8 * scipy.special.erfi(betas * 1e-8 / (0 + 1e-8)) / scipy.special.erfi(1 / math.sqrt(2))
  np.testing.assert_allclose(get_scale(state, per_beta=True), s, rtol=1e-5)
  np.testing.assert_allclose(updates["w"], s.sum() * -0.1 * np.asarray(grads["w"]), rtol=1e-5)
  np.testing.assert_allclose(state.delta["w"], -0.1 * np.asarray(grads["w"]), rtol=1e-6)
  assert int(state.count) == 1


def test_moves_from_a_nonzero_init_where_the_reference_is_stuck():
  # Least squares, 256 weights ~ N(0, 1), base adam(1e-3), 3000 steps.
  # Delta_t rebuilt from float32 params rounds to zero while S |Delta| is below
  # the weights' spacing; ours keeps Delta and must at least halve the loss.
  from trac_optimizer.experimental.jax.trac import start_trac

  k1, k2, k3 = jax.random.split(jax.random.PRNGKey(0), 3)
  A = jax.random.normal(k1, (512, 256)) / 16
  target = jax.random.normal(k2, (256,))
  b = A @ target
  loss = lambda w: jnp.mean((A @ w - b) ** 2) * 256
  w0 = jax.random.normal(k3, (256,))

  _, _, ours = jax.jit(lambda: _train(trac(optax.adam(1e-3)), loss, w0, 3000))()
  _, _, reference = jax.jit(lambda: _train(start_trac(optax.adam(1e-3)), loss, w0, 3000))()
  assert float(ours[-1]) <= 0.5 * float(ours[0])
  # The failure we must not inherit: the reference does not move at all.
  assert float(reference[-1]) == pytest.approx(float(reference[0]), rel=1e-3)


# --- API and validation ----------------------------------------------------------


@pytest.mark.parametrize("kwargs, match", [
    (dict(betas=()), "must not be empty"),
    (dict(betas=(0.9, 1.5)), r"\(0, 1\]"),
    (dict(betas=(0.0,)), r"\(0, 1\]"),
    (dict(betas=(float("nan"),)), r"\(0, 1\]"),
    (dict(betas="abc"), "sequence of floats"),
    (dict(s_prev=0.0), "s_prev"),
    (dict(s_prev=-1e-8), "s_prev"),
    (dict(s_prev=float("inf")), "s_prev"),
    (dict(eps=-1e-8), "eps"),
    (dict(eps=float("nan")), "eps"),
    (dict(s_prev="abc"), "s_prev"),
    (dict(s_prev=None), "s_prev"),
    (dict(s_prev=jnp.array([1e-8, 1e-8])), "scalar"),
    (dict(eps=jnp.float32(-1.0)), "eps"),
    (dict(delta_dtype=jnp.int32), "delta_dtype"),
])
def test_bad_options_raise_at_construction(kwargs, match):
  with pytest.raises(ValueError, match=match):
    trac(optax.adam(1e-3), **kwargs)


@pytest.mark.parametrize("inner", [None, optax.adam, (lambda p: p, lambda u, s, p: (u, s)), 1e-3])
def test_inner_must_be_a_gradient_transformation(inner):
  with pytest.raises(ValueError, match="GradientTransformation"):
    trac(inner)


def test_betas_may_be_any_length_and_one_is_allowed():
  params = {"w": jnp.ones(4)}
  for betas in [(0.5,), (0.9, 1.0), tuple(np.linspace(0.5, 0.999, 9))]:
    opt = trac(optax.adam(1e-2), betas=betas)
    state = opt.init(params)
    assert state.v.shape == state.sigma.shape == state.s.shape == (len(betas),)
    _, state, _ = _train(opt, lambda p: jnp.sum(p["w"] ** 2), params, 20)
    assert bool(jnp.isfinite(get_scale(state)))


def test_update_without_params_raises():
  opt = trac(optax.adam(1e-3))
  params = {"w": jnp.ones(2)}
  with pytest.raises(ValueError, match=r"trac: `update` needs the current params"):
    opt.update(params, opt.init(params))


def test_the_package_uses_only_public_optax_names():
  # optax's private modules (optax._src) may change in any release.
  import pathlib
  for path in pathlib.Path(trac_optax.__file__).parent.glob("*.py"):
    assert "_src" not in path.read_text(), path.name


def test_state_is_a_pytree_with_documented_fields():
  opt = trac(optax.adam(1e-3))
  state = opt.init({"w": jnp.ones(3)})
  assert isinstance(state, TracState)
  assert state._fields == ("inner_state", "count", "delta", "v", "sigma", "s", "theta_ref",
                           "anchor_check")
  assert isinstance(opt, optax.GradientTransformationExtraArgs)
  # The only params-sized buffer beyond adam's two moments is Delta (theta_ref is None); the
  # anchor check is three scalars.
  assert sum(leaf.size for leaf in jax.tree.leaves(state)) == 3 * 3 + 1 + 1 + 3 * 6 + 3


# --- injected hyperparameters ------------------------------------------------------


def _steps(opt, state, params, steps, *, update=None):
  """`steps` updates of the gradient of sum(sin(3 p) + p^2); returns params and state."""
  update = update or jax.jit(opt.update)
  for _ in range(steps):
    grads = jax.tree.map(lambda p: 3 * jnp.cos(3 * p) + 2 * p, params)
    updates, state = update(grads, state, params)
    params = optax.apply_updates(params, updates)
  return params, state


def test_inject_hyperparams_around_trac_under_jit():
  # inject_hyperparams hands s_prev and eps over as arrays, traced under jit.
  params = {"w": jnp.linspace(-1.0, 1.0, 5), "b": jnp.float32(0.5)}
  injected = optax.inject_hyperparams(trac)(inner=optax.adam(1e-1))
  state = jax.jit(injected.init)(params)
  assert set(state.hyperparams) == {"s_prev", "eps"}
  got, state = _steps(injected, state, params, 30)
  plain = trac(optax.adam(1e-1))
  expected, plain_state = _steps(plain, plain.init(params), params, 30)
  # The same steps: s_prev / erfi(1/sqrt 2) is rounded once from float64 for a Python
  # float and divided in float32 for an array, hence not bit for bit.
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6), got, expected)
  S = jax.jit(get_scale)(state)  # found inside InjectHyperparamsState
  assert float(S) > 1e-5  # the tuner grew well beyond s_prev = 1e-8
  np.testing.assert_allclose(S, get_scale(plain_state), rtol=1e-5)


def test_injected_s_prev_and_eps_take_effect():
  params = {"w": jnp.linspace(-1.0, 1.0, 5), "b": jnp.float32(0.5)}
  grads = {"w": jnp.full(5, 0.3), "b": jnp.float32(-0.2)}
  injected = optax.inject_hyperparams(trac)(inner=optax.sgd(1e-1))
  update = jax.jit(injected.update)
  state = injected.init(params)
  _, first = update(grads, state, params)
  # Changed in the state, the injected values are used by the next update.
  bigger = state._replace(hyperparams={**state.hyperparams, "s_prev": jnp.float32(1e-4)})
  _, scaled = update(grads, bigger, params)
  # At the first step S is linear in s_prev.
  np.testing.assert_allclose(get_scale(scaled), 1e4 * get_scale(first), rtol=1e-5)
  # eps enters the erfi argument sigma / (sqrt(2 v) + eps): after a few steps (v > 0),
  # the injected eps gives the scale of a trac built with that eps, not the default's.
  _, warm = _steps(injected, state, params, 5, update=update)
  big_eps = warm._replace(hyperparams={**warm.hyperparams, "eps": jnp.float32(100.0)})
  _, injected_state = update(grads, big_eps, params)
  _, expected = trac(optax.sgd(1e-1), eps=100.0).update(grads, warm.inner_state, params)
  _, default = trac(optax.sgd(1e-1)).update(grads, warm.inner_state, params)
  np.testing.assert_allclose(get_scale(injected_state), get_scale(expected), rtol=1e-5)
  assert float(get_scale(injected_state)) < 0.2 * float(get_scale(default))


def test_scheduled_s_prev_matches_trac_rebuilt_with_each_value():
  params = {"w": jnp.linspace(-1.0, 1.0, 5), "b": jnp.float32(0.5)}
  schedule = lambda count: 1e-8 * 10.0 ** jnp.minimum(count, 4)
  injected = optax.inject_hyperparams(trac)(inner=optax.adam(1e-1), s_prev=schedule)
  got, state = _steps(injected, injected.init(params), params, 8)
  # By hand: the value the schedule gives at step t, in a trac built with it (one
  # compilation, with s_prev an argument).
  by_hand = jax.jit(lambda g, s, p, s_prev: trac(optax.adam(1e-1), s_prev=s_prev).update(g, s, p))
  inner_state, expected = trac(optax.adam(1e-1)).init(params), params
  for t in range(8):
    s_prev = jnp.float32(1e-8 * 10.0 ** min(t, 4))
    expected, inner_state = _steps(None, inner_state, expected, 1,
                                   update=lambda g, s, p, s_prev=s_prev: by_hand(g, s, p, s_prev))
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5), got, expected)
  np.testing.assert_allclose(get_scale(state), get_scale(inner_state), rtol=1e-5)
  unscheduled, _ = _steps(trac(optax.adam(1e-1)), trac(optax.adam(1e-1)).init(params), params, 8)
  assert not np.allclose(got["w"], unscheduled["w"], rtol=1e-3)  # the schedule mattered


def test_inject_hyperparams_passes_reference_and_a_string_delta_dtype_through():
  params = {"w": jnp.ones(3, jnp.bfloat16)}
  opt = optax.inject_hyperparams(trac)(inner=optax.adam(1e-3), reference="stored",
                                       delta_dtype="float32")
  state = jax.jit(opt.init)(params)
  _, state = jax.jit(opt.update)(params, state, params)
  assert set(state.hyperparams) == {"s_prev", "eps"}
  assert state.inner_state.delta["w"].dtype == jnp.float32
  assert state.inner_state.theta_ref["w"].dtype == jnp.bfloat16
  # A dtype class is callable: inject_hyperparams takes it for a schedule, and says so.
  with pytest.raises(ValueError, match="as a string"):
    optax.inject_hyperparams(trac)(inner=optax.adam(1e-3), delta_dtype=jnp.float32).init(params)


def test_injected_bad_values_raise_where_concrete():
  params = {"w": jnp.ones(3)}
  with pytest.raises(ValueError, match="s_prev"):
    optax.inject_hyperparams(trac)(inner=optax.adam(1e-3), s_prev=-1.0).init(params)
  with pytest.raises(ValueError, match="eps"):
    optax.inject_hyperparams(trac)(inner=optax.adam(1e-3), eps=float("nan")).init(params)


# --- faults ----------------------------------------------------------------------------


@pytest.mark.parametrize("warm_steps", [0, 10])  # Delta = 0 (h = NaN * 0) and Delta != 0
def test_a_nan_gradient_shows_in_the_scale(warm_steps):
  params = {"w": jnp.linspace(-1.0, 1.0, 5), "b": jnp.float32(0.5)}
  opt = trac(optax.adam(1e-1))
  update = jax.jit(opt.update)
  params, state = _steps(opt, opt.init(params), params, warm_steps, update=update)
  assert np.isfinite(float(get_scale(state)))
  bad = {"w": jnp.array([0.1, jnp.nan, 0.1, 0.1, 0.1]), "b": jnp.float32(0.1)}
  updates, state = update(bad, state, params)
  assert np.isnan(float(get_scale(state)))
  assert all(bool(jnp.all(jnp.isnan(u))) for u in jax.tree.leaves(updates))
  # It stays visible: the tuner's statistics are NaN from then on.
  _, state = update(jax.tree.map(jnp.ones_like, params), state, params)
  assert np.isnan(float(get_scale(state)))


def test_an_overflowing_h_saturates_and_keeps_the_scale_finite():
  # h = <g, Delta> = -4e60 overflows float32 to -inf: it saturates at the largest
  # float, so sigma and S stay finite (S grows: the gradient points along -Delta).
  params = {"w": jnp.zeros(4)}
  opt = trac(optax.sgd(1.0))
  state = opt.init(params)._replace(delta={"w": jnp.full(4, 1e30)})
  _, state = opt.update({"w": jnp.full(4, -1e30)}, state, params)
  assert bool(jnp.all(jnp.isfinite(state.v))) and bool(jnp.all(jnp.isfinite(state.sigma)))
  assert np.isfinite(float(get_scale(state))) and float(get_scale(state)) > 1.0


# --- reading the scale -------------------------------------------------------------


def test_get_scale_through_wrappers_and_inside_jit():
  params = {"a": jnp.ones(3), "b": jnp.zeros(2)}
  grads = {"a": jnp.full(3, 0.1), "b": jnp.full(2, -0.2)}
  wrapped = {
      "chain": optax.chain(optax.clip_by_global_norm(1.0), trac(optax.adam(1e-2))),
      "inject": optax.inject_hyperparams(lambda learning_rate: trac(optax.adam(learning_rate)))(
          learning_rate=1e-2),
      "multisteps": optax.MultiSteps(trac(optax.adam(1e-2)), every_k_schedule=1),
      "if_finite": optax.apply_if_finite(trac(optax.adam(1e-2)), 3),
  }
  reference = trac(optax.adam(1e-2))
  _, ref_state = reference.update(
      optax.clip_by_global_norm(1.0).update(grads, None)[0], reference.init(params), params)
  for name, opt in wrapped.items():
    state = opt.init(params)
    assert float(get_scale(state)) == 0.0
    _, state = jax.jit(opt.update)(grads, state, params)
    S = jax.jit(get_scale)(state)
    assert S.shape == () and float(S) > 0, name
    np.testing.assert_allclose(get_scale(state, per_beta=True),
                               get_scale(ref_state, per_beta=True), rtol=1e-6, err_msg=name)


def test_get_scale_with_multi_transform_and_errors():
  opt = optax.multi_transform({"x": trac(optax.adam(1e-2)), "y": trac(optax.sgd(1e-1))},
                              {"a": "x", "b": "y"})
  params = {"a": jnp.ones(3), "b": jnp.ones(2)}
  state = opt.init(params)
  scales = get_scales(state)
  assert len(scales) == 2 and all(float(s) == 0.0 for s in scales.values())
  with pytest.raises(ValueError, match="found 2"):
    get_scale(state)
  with pytest.raises(ValueError, match="found 0"):
    get_scale(optax.adam(1e-3).init(params))


def test_get_scale_is_batched_under_vmap():
  opt = trac(optax.adam(1e-2))
  params = jnp.ones((5, 3))
  states = jax.vmap(opt.init)(params)
  _, states = jax.vmap(opt.update)(params * 0.1, states, params)
  assert get_scale(states).shape == (5,)
  assert get_scale(states, per_beta=True).shape == (5, 6)


# --- transformations of the step -------------------------------------------------


def _avals(tree):
  return jax.tree.map(lambda x: (x.shape, x.dtype, x.weak_type), tree)


def test_jit_compiles_once_and_state_avals_are_stable():
  traces = []
  opt = trac(optax.adam(1e-2))

  @jax.jit
  def step(params, state):
    traces.append(None)
    updates, state = opt.update(jax.tree.map(jnp.sin, params), state, params)
    return optax.apply_updates(params, updates), state

  params = {"w": jnp.linspace(-1, 1, 8), "b": jnp.float32(0.5)}
  state = opt.init(params)
  initial = _avals(state)
  for _ in range(3):
    params, state = step(params, state)
  assert len(traces) == 1
  assert _avals(state) == initial


def test_scan_matches_a_python_loop():
  loss = _quadratic_problem(jax.random.PRNGKey(3))
  params = {"w": jnp.ones(16), "b": jnp.float32(0.0)}
  opt = trac(optax.adam(3e-2))
  scanned, state, _ = jax.jit(lambda p: _train(opt, loss, p, 50))(params)
  step = jax.jit(lambda p, s: opt.update(jax.grad(loss)(p), s, p))
  looped, s = params, opt.init(params)
  for _ in range(50):
    u, s = step(looped, s)
    looped = optax.apply_updates(looped, u)
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6), scanned, looped)
  assert int(state.count) == 50


def test_vmap_over_seeds_matches_separate_runs():
  loss = _quadratic_problem(jax.random.PRNGKey(4))
  opt = trac(optax.adam(3e-2))

  def run(seed):
    key = jax.random.PRNGKey(seed)
    params = {"w": jax.random.normal(key, (16,)), "b": jnp.float32(0.0)}
    final, state, losses = _train(opt, loss, params, 40)
    return final, get_scale(state), losses

  seeds = jnp.arange(4)
  batched = jax.jit(jax.vmap(run))(seeds)
  for i in range(4):
    single = jax.jit(run)(seeds[i])
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a[i], b, rtol=2e-5, atol=1e-6),
                 batched, single)
  assert len(set(np.round(np.asarray(batched[1]), 8))) == 4  # the seeds really differ


def test_vmap_over_learning_rates_with_traced_inner():
  loss = _quadratic_problem(jax.random.PRNGKey(5))
  params = {"w": jnp.ones(16), "b": jnp.float32(0.0)}

  def run(lr):
    _, state, losses = _train(trac(optax.adam(lr)), loss, params, 40)
    return losses[-1], get_scale(state)

  lrs = jnp.array([1e-3, 1e-2, 1e-1])
  final_losses, scales = jax.jit(jax.vmap(run))(lrs)
  for i, lr in enumerate([1e-3, 1e-2, 1e-1]):
    single_loss, single_scale = jax.jit(run)(jnp.float32(lr))
    np.testing.assert_allclose(final_losses[i], single_loss, rtol=2e-5)
    np.testing.assert_allclose(scales[i], single_scale, rtol=2e-5)
  assert len(set(np.asarray(scales).tolist())) == 3


# --- dtypes ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16])
def test_low_precision_params_keep_their_dtype(dtype):
  params = {"w": jnp.linspace(-1, 1, 32).astype(dtype), "b": jnp.zeros((), dtype)}
  loss = lambda p: jnp.sum((p["w"].astype(jnp.float32) - 0.5) ** 2) + p["b"].astype(jnp.float32) ** 2
  # adam's default eps = 1e-8 is 0 in float16 (plain adam gives 0/0 there too).
  opt = optax.chain(optax.clip_by_global_norm(1.0), trac(optax.adam(1e-2, eps=1e-4)))
  state = opt.init(params)
  initial = _avals(state)
  updates, _ = opt.update(jax.grad(loss)(params), state, params)
  assert all(u.dtype == dtype for u in jax.tree.leaves(updates))
  final, state, losses = jax.jit(lambda p: _train(opt, loss, p, 200))(params)
  assert _avals(state) == initial  # lax.scan would also refuse a drifting carry
  assert all(p.dtype == dtype for p in jax.tree.leaves(final))
  trac_state = state[1]
  assert trac_state.delta["w"].dtype == dtype
  assert trac_state.v.dtype == trac_state.sigma.dtype == trac_state.s.dtype == jnp.float32
  assert float(losses[-1]) < float(losses[0])


def test_delta_dtype_option_keeps_a_float32_delta_for_bf16_params():
  params = {"w": jnp.ones(8, jnp.bfloat16)}
  opt = trac(optax.adam(1e-2), delta_dtype=jnp.float32)
  state = opt.init(params)
  updates, state = opt.update({"w": jnp.ones(8, jnp.bfloat16)}, state, params)
  assert state.delta["w"].dtype == jnp.float32
  assert updates["w"].dtype == jnp.bfloat16


def test_float64_under_x64():
  with jax.enable_x64(True):
    params = {"w": jnp.ones(4, jnp.float64)}
    opt = trac(optax.adam(1e-2))
    state = opt.init(params)
    assert state.v.dtype == state.sigma.dtype == state.s.dtype == jnp.float64
    updates, state = opt.update({"w": jnp.full(4, 0.5, jnp.float64)}, state, params)
    assert updates["w"].dtype == jnp.float64 and state.delta["w"].dtype == jnp.float64
