"""examples/ppo.py: PPO learns, the diagnostics measure what they say, one call trains a grid."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from examples.grid import run_grid
from examples.methods import METHODS
from examples.networks import ConvActorCritic, MLPActorCritic, NetworkSpec
from examples.plasticity import diagnostics
from examples.ppo import PPOConfig, make_train, steps_to_updates
from examples.presets import PRESETS
from examples.shifts import shift_tasks
from examples.tasks import Schedule

RANDOM_CARTPOLE_RETURN = 22  # a uniformly random policy's mean episode return


def test_config_counts_and_validates():
  config = PPOConfig(num_envs=8, num_steps=64, num_epochs=2, num_minibatches=4)
  assert config.steps_per_update == 512 and config.optimizer_steps_per_update == 8
  assert steps_to_updates(20_480, config) == 40 and steps_to_updates(10, config) == 1
  with pytest.raises(ValueError, match="divisible"):
    PPOConfig(num_envs=3, num_steps=10, num_minibatches=4).validate()
  with pytest.raises(ValueError, match="num_epochs must be >= 1"):
    PPOConfig(num_epochs=0).validate()


def test_schedule_levels_cycles_and_segments():
  levels = Schedule.levels(3, 2)
  np.testing.assert_array_equal(levels.tasks, [0, 0, 1, 1, 2, 2])
  np.testing.assert_array_equal(levels.switches, [0, 0, 1, 0, 1, 0])
  cycles = Schedule.cycles(2, 3, 2)
  assert cycles.num_updates == 12 and cycles.num_cycles == 2
  assert [(s.task, s.visit, s.start, s.stop) for s in cycles.segments()] == [
      (0, 0, 0, 3), (1, 0, 3, 6), (0, 1, 6, 9), (1, 1, 9, 12)]
  with pytest.raises(ValueError, match="updates_per_task"):
    Schedule((0,), 0)


def test_networks_record_every_hidden_layer():
  obs = jnp.ones((5, 10, 10, 7))
  for network, layers in ((MLPActorCritic(6, (8, 4), "relu"), 4), (ConvActorCritic(6), 2)):
    params = {"params": network.init(jax.random.key(0), obs)["params"]}
    (pi, value), state = network.apply(params, obs, mutable="activations")
    assert pi.logits.shape == (5, 6) and value.shape == (5,)
    assert len(state["activations"]) == layers
    out = diagnostics(network, params, params, obs)
    assert float(out["distance_from_init"]) == 0.0 and float(out["param_norm"]) > 0
  with pytest.raises(ValueError, match="unknown network kind"):
    NetworkSpec("rnn").build(2)


def test_ppo_learns_plain_cartpole():
  preset = PRESETS["purejaxrl"]
  tasks = shift_tasks("CartPole-v1")
  train = make_train(preset.ppo, tasks, preset.network.build(2), optax.adam,
                     Schedule.levels(1, 60))  # ~31k env steps
  keys = jax.random.split(jax.random.key(0), 2)
  out = jax.jit(jax.vmap(train, in_axes=(0, None)))(keys, {"learning_rate": preset.lr})
  returns = np.asarray(out["metrics"]["return"])
  assert returns.shape == (2, 60)
  early, late = np.nanmean(returns[:, :3]), np.nanmean(returns[:, -10:])
  assert early < 2 * RANDOM_CARTPOLE_RETURN
  assert late > 5 * RANDOM_CARTPOLE_RETURN, late


def test_one_call_trains_every_method_setting_and_seed():
  config = PPOConfig(num_envs=2, num_steps=16, num_minibatches=2, num_epochs=1, probe_size=8)
  tasks = shift_tasks("CartPole-v1", "offset", 2)
  methods = [METHODS[name] for name in ("adam", "trac")]
  grid = run_grid(tasks, Schedule.levels(2, 2), config, NetworkSpec("mlp", (8,)).build(2),
                  methods, [1e-3, 1e-2], num_seeds=3)
  assert grid.devices == 1 and grid.runs == {"adam": 6, "trac": 6}
  for name in ("adam", "trac"):
    assert grid.configs[name] == [{"lr": 1e-3}, {"lr": 1e-2}]
    for key, value in grid.metrics[name].items():
      assert value.shape == (3, 2, 4), (name, key)
    np.testing.assert_array_equal(grid.metrics[name]["task"][0, 0], [0, 0, 1, 1])
  scale = grid.metrics["trac"]["scale"]
  assert np.all(np.isfinite(scale)) and np.all(scale >= 0) and np.any(scale > 0)
  assert np.all(np.isnan(grid.metrics["adam"]["scale"]))
  # Paired seeds: the first update's rollout (before any optimizer step) is the same
  # for every method and learning rate.
  first = np.stack([grid.metrics[n]["return"][:, j, 0] for n in ("adam", "trac") for j in (0, 1)])
  np.testing.assert_array_equal(first, np.broadcast_to(first[0], first.shape))
  # The learning rate is a traced argument: each lr gives its own run.
  assert not np.allclose(grid.metrics["adam"]["distance_from_init"][:, 0],
                         grid.metrics["adam"]["distance_from_init"][:, 1])


def test_level_change_shows_the_new_levels_observation():
  # After a level change, the first action is taken on the new level's observation:
  # the shift is applied to the state's unshifted observation.
  tasks = shift_tasks("CartPole-v1", "offset", 2, scale=2.0)
  params = tasks.sample_params(jax.random.key(3))
  obs, state = tasks.env.reset(jax.random.key(0), params)
  level_1 = tasks.set_task(params, 1)
  np.testing.assert_allclose(tasks.observe(state, level_1), obs + params.offset[1], rtol=1e-6)
  np.testing.assert_allclose(tasks.observe(state, params), obs, rtol=1e-6)


def test_optimizer_may_be_a_plain_transformation():
  config = dataclasses.replace(PRESETS["purejaxrl"].ppo, num_envs=2, num_steps=8,
                               num_minibatches=1, num_epochs=1)
  tasks = shift_tasks("Acrobot-v1")
  train = make_train(config, tasks, NetworkSpec("mlp", (4,)).build(3), optax.sgd(0.1),
                     Schedule.levels(1, 2))
  out = jax.jit(train)(jax.random.key(0))
  assert out["metrics"]["return"].shape == (2,)
  assert float(out["metrics"]["distance_from_init"][-1]) > 0


def test_bootstrapping_only_the_truncated_steps_matches_the_full_pass():
  # CartPole with a 5-step time limit: every env is truncated up to 4 times per
  # 16-step rollout. Knowing the limit, PPO evaluates only the truncated steps'
  # final observations; without it, all of them. The runs must agree, and a wrong
  # (too long) limit, which leaves truncations out, must not.
  limited = shift_tasks("CartPole-v1")
  sample = limited.sample_params
  short = lambda key: sample(key).replace(
      env_params=sample(key).env_params.replace(max_steps_in_episode=5))
  config = PPOConfig(num_envs=4, num_steps=16, num_epochs=1, num_minibatches=2, probe_size=8)
  network = NetworkSpec("mlp", (8,)).build(2)

  def run(time_limit):
    tasks = dataclasses.replace(limited, sample_params=short, time_limit=time_limit)
    train = make_train(config, tasks, network, optax.adam, Schedule.levels(1, 4))
    return jax.jit(train)(jax.random.key(0), {"learning_rate": 1e-2})["metrics"]

  exact, full, wrong = run(5), run(None), run(20)
  for key in ("return", "value_loss", "distance_from_init"):
    np.testing.assert_allclose(exact[key], full[key], rtol=1e-4, err_msg=key)
  assert not np.allclose(wrong["value_loss"], full["value_loss"], rtol=1e-3)
