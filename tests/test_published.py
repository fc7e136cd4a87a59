"""The published continual Gym-control protocol: its preset, rollout, targets, init and scores."""

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import trac_optax
from examples import published, scoring, stats
from examples.networks import MLPActorCritic
from examples.plasticity import trac_scale
from examples.ppo import PPOConfig, advantages_and_targets, make_train
from examples.presets import PRESETS
from examples.shifts import shift_tasks
from examples.tasks import Schedule
from examples.trac_rebuilt import trac_rebuilt_delta

PUBLISHED = PRESETS["published"]


def test_preset_is_the_published_protocol():
  config = PUBLISHED.ppo
  assert config.num_envs == 1 and config.steps_per_update == 800
  assert config.steps_per_update // config.num_minibatches == 32  # minibatches of 32
  assert config.num_epochs == 5 and config.optimizer_steps_per_update == 125
  assert config.max_grad_norm is None and config.reward_scale == pytest.approx(1 / 20)
  assert config.fresh_episodes and config.value_target == "returns"
  assert (config.clip_eps, config.ent_coef, config.vf_coef) == (0.2, 0.01, 0.5)
  assert (config.gamma, config.gae_lambda) == (0.99, 0.95)
  assert PUBLISHED.time_limit == 400 and PUBLISHED.lr == 1e-3
  network = PUBLISHED.network
  assert (network.hidden_sizes, network.activation, network.init) == (
      (128, 128, 128), "leaky_relu", "torch")


def test_episodes_are_cut_at_the_time_limit():
  tasks = shift_tasks("Acrobot-v1", num_levels=2, time_limit=400)
  params = tasks.sample_params(jax.random.key(0))
  assert tasks.time_limit == 400 and int(params.env_params.max_steps_in_episode) == 400
  _, state = tasks.env.reset(jax.random.key(1), params)

  def step(state, key):  # no torque: the pendulum never swings up
    _, state, _, terminated, truncated, _ = tasks.env.step(key, state, 1, params)
    return state, (terminated, truncated)

  _, (terminated, truncated) = jax.lax.scan(step, state, jax.random.split(jax.random.key(2), 401))
  assert not terminated.any()
  np.testing.assert_array_equal(np.flatnonzero(truncated), [399])  # the 400th step
  with pytest.raises(ValueError, match="time_limit"):
    shift_tasks("CartPole-v1", time_limit=0)


def test_rewards_to_go_targets_bootstrap_where_the_rollout_cuts():
  rng = np.random.default_rng(0)
  steps, gamma = 7, 0.9
  reward = rng.normal(size=(steps, 1)).astype(np.float32)
  done = np.zeros((steps, 1), bool)
  done[2] = True  # an episode ends at step 2; the rollout's end cuts the next one
  values = rng.normal(size=(steps + 1, 1)).astype(np.float32)
  discount = gamma * (1.0 - done)
  config = PPOConfig(gamma=gamma, gae_lambda=0.95, value_target="returns")
  _, targets = advantages_and_targets(jnp.asarray(reward), jnp.asarray(discount),
                                      jnp.asarray(values), config)
  expected, future = np.zeros(steps), values[-1, 0]  # bootstrapped with the last value
  for t in reversed(range(steps)):
    future = reward[t, 0] + discount[t, 0] * future
    expected[t] = future
  np.testing.assert_allclose(np.asarray(targets)[:, 0], expected, rtol=1e-5)
  gae_adv, gae_targets = advantages_and_targets(
      jnp.asarray(reward), jnp.asarray(discount), jnp.asarray(values),
      dataclasses.replace(config, value_target="gae"))
  np.testing.assert_allclose(gae_targets, gae_adv + values[:-1], rtol=1e-6)
  with pytest.raises(ValueError, match="value_target"):
    PPOConfig(value_target="mc").validate()


def test_torch_init_is_pytorchs_linear_default():
  network = MLPActorCritic(2, (128, 128), "leaky_relu", "torch")
  params = network.init(jax.random.key(0), jnp.zeros((1, 4)))["params"]
  for name, layer in params.items():
    fan_in = layer["kernel"].shape[0]
    bound = fan_in ** -0.5
    for leaf in (layer["kernel"], layer["bias"]):
      assert float(jnp.max(jnp.abs(leaf))) <= bound
    assert float(jnp.std(layer["kernel"])) == pytest.approx(bound / math.sqrt(3), rel=0.15)
    if layer["bias"].size > 1:  # hidden layers: biases are drawn, not zero
      assert float(jnp.std(layer["bias"])) > 0.2 * bound


def test_a_smoke_run_of_the_preset_steps_800_times_and_adam_125_times_per_update():
  tasks = shift_tasks("CartPole-v1", num_levels=2, time_limit=PUBLISHED.time_limit)
  train = make_train(PUBLISHED.ppo, tasks, PUBLISHED.network.build(tasks.num_actions),
                     lambda lr: optax.adam(lr), Schedule.levels(2, 1))
  out = jax.jit(train)(jax.random.key(0), {"lr": jnp.float32(1e-3)})
  episodes, returns = np.asarray(out["metrics"]["episodes"]), np.asarray(out["metrics"]["return"])
  # CartPole pays 1 a step and every step is in one episode, the one the rollout cuts
  # included: the episode returns of an update add up to its 800 steps.
  assert (episodes >= 2).all()
  np.testing.assert_allclose(returns * episodes, 800, rtol=1e-5)
  np.testing.assert_array_equal(out["metrics"]["task"], [0, 1])
  # 5 epochs of 25 minibatches of 32 per update: Adam counts 125 steps each.
  (count,) = {int(c) for c in jax.tree.leaves(out["opt_state"])
              if jnp.ndim(c) == 0 and jnp.issubdtype(jnp.result_type(c), jnp.integer)}
  assert count == 2 * 125


def test_update_score_carries_the_last_value_through_updates_without_episodes():
  metrics = {"return": np.array([[np.nan, 10.0, np.nan, 30.0]]),
             "episodes": np.array([[0, 2, 0, 1]])}
  np.testing.assert_allclose(scoring.update_returns(metrics), [[np.nan, 10.0, 10.0, 30.0]])
  schedule = Schedule.levels(2, 2)
  np.testing.assert_allclose(scoring.segment_scores(metrics, schedule, "updates"), [[10.0, 20.0]])
  # Episode-weighted: (2 x 10) / 2, then 30 / 1.
  np.testing.assert_allclose(scoring.segment_scores(metrics, schedule, "episodes"), [[10.0, 30.0]])
  with pytest.raises(ValueError, match="unknown score"):
    scoring.segment_scores(metrics, schedule, "steps")


def test_intervals_are_rliables_and_keep_a_bounded_return_in_its_bounds():
  from rliable import library as rly
  from rliable import metrics as rly_metrics

  x = np.array([[9.4, 400.0], [9.4, 380.0], [12.0, 400.0], [9.5, 400.0], [10.0, 395.0],
                [400.0, 400.0]])
  est = stats.interval_estimates(x[:, :1])
  aggregates = (("mean", rly_metrics.aggregate_mean), ("iqm", rly_metrics.aggregate_iqm))
  for name, aggregate in aggregates:
    np.random.seed(0)  # rliable resamples with numpy's global RNG; we seed it with 0
    _, ci = rly.get_interval_estimates(
        {"m": x[:, :1]}, lambda s, f=aggregate: np.array([f(s)]), reps=2000,
        random_state=np.random.RandomState(0))
    np.testing.assert_allclose([est[f"{name}_low"][0], est[f"{name}_high"][0]], ci["m"][:, 0],
                               rtol=1e-12)
  assert est["iqm"][0] == pytest.approx(rly_metrics.aggregate_iqm(x[:, 0]))
  est = stats.interval_estimates(x)
  again = stats.interval_estimates(x)  # the same data, the same intervals
  assert all(np.array_equal(est[k], again[k], equal_nan=True) for k in est)
  np.testing.assert_allclose(est["se"], x.std(0, ddof=1) / np.sqrt(6))
  assert (est["mean_low"] >= x.min(0)).all() and (est["mean_high"] <= 400.0).all()
  one = stats.interval_estimates(np.array([[1.0], [np.nan]]))
  assert one["mean"][0] == 1.0 and np.isnan(one["mean_low"][0]) and np.isnan(one["se"][0])


def test_probability_of_improvement_is_rliables():
  x, y = np.array([3.0, 4.0, 5.0, 6.0]), np.array([1.0, 4.0, 2.0, 0.0])
  p, low, high = stats.probability_of_improvement(x, y)
  # 16 pairs: x wins 14, one tie (4 vs 4) counts half -> 14.5 / 16.
  assert p == pytest.approx(14.5 / 16) and low <= p <= high <= 1.0


def test_comparison_verdict_combines_both_errors():
  assert published.verdict((100.0, 3.0), (110.0, 4.0)) == (pytest.approx(-2.0), "agrees")
  assert published.verdict((130.0, 3.0), (110.0, 4.0))[1] == "ours higher"
  assert published.verdict((90.0, 3.0), (110.0, 4.0))[1] == "ours lower"
  settings = [{"setting": {"lr": 1e-3, "strength": 1e-3}, "per_seed": np.array([1.0, 2.0])},
              {"setting": {"lr": 1e-3, "strength": 1e-2}, "per_seed": np.array([3.0, 4.0])},
              {"setting": {"lr": 1e-2, "strength": 1e-2}, "per_seed": np.array([9.0, 9.0])}]
  assert published.pick(settings, 1e-3)["setting"]["strength"] == 1e-2
  assert published.pick(settings, 1e-4) is None


def _least_squares_run(tx, w0, steps=300):
  a = jax.random.normal(jax.random.key(3), (64, w0.size))
  b = a @ jax.random.normal(jax.random.key(4), (w0.size,))
  loss = lambda w: 0.5 * jnp.mean((a @ w - b) ** 2)

  def body(carry, _):
    w, state = carry
    updates, state = tx.update(jax.grad(loss)(w), state, w)
    return (optax.apply_updates(w, updates), state), None

  (w, state), _ = jax.lax.scan(body, (w0, tx.init(w0)), None, steps)
  return float(loss(w0)), float(loss(w)), state


def test_rebuilt_delta_trac_stalls_where_the_reference_does():
  tx = trac_rebuilt_delta(optax.adam(1e-2))
  # Weights of size ~1: S * Delta rounds away, the rebuilt Delta is 0 and S never grows.
  far = 1.0 + 0.1 * jax.random.uniform(jax.random.key(5), (32,))
  before, after, state = _least_squares_run(tx, far)
  assert after == before and float(trac_scale(state)) < 1e-6
  # Kept Delta (ours) moves from the same start.
  before, after_ours, _ = _least_squares_run(trac_optax.trac(optax.adam(1e-2)), far)
  assert after_ours < 0.5 * before
  # From zero weights the rebuild is exact enough, and the reference's design learns.
  before, after, state = _least_squares_run(tx, jnp.zeros(32))
  assert after < 0.5 * before and float(trac_scale(state)) > 1e-3
