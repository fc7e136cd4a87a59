"""examples/games.py and the game-switching PPO run: one interface, only the game in force moves."""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from examples.games import NUM_ACTIONS, game_tasks
from examples.methods import METHODS
from examples.networks import NetworkSpec
from examples.ppo import PPOConfig, make_train
from examples.tasks import Schedule

TWO_GAMES = ("Breakout-MinAtar", "Freeway-MinAtar")  # 4 and 7 channels


def _times(state):
  """Each game's step counter inside its episode (MinAtar's own `time`)."""
  return [np.asarray(game.env_state.time) for game in state.games]


@pytest.fixture(scope="module")
def tasks():
  return game_tasks(TWO_GAMES)


def test_observations_are_padded_to_the_widest_game(tasks):
  assert tasks.obs_shape == (10, 10, 7) and tasks.num_actions == NUM_ACTIONS
  params = tasks.sample_params(None)
  obs, state = tasks.env.reset(jax.random.key(0), params)
  assert obs.shape == (10, 10, 7) and obs.dtype == jnp.float32
  np.testing.assert_array_equal(obs[..., 4:], 0)  # Breakout's 4 channels, then zeros
  assert obs[..., :4].sum() > 0
  freeway_obs = tasks.observe(state, tasks.set_task(params, 1))
  assert freeway_obs.shape == (10, 10, 7) and freeway_obs[..., 4:].sum() > 0
  for task in (0, 1):
    obs, _, _, _, _, info = tasks.env.step(jax.random.key(1), state, 0,
                                           tasks.set_task(params, task))
    assert obs.shape == info["final_observation"].shape == (10, 10, 7)


def test_every_game_has_the_full_action_set(tasks):
  params = tasks.sample_params(None)
  assert tasks.env.action_space(params).n == 6
  for game in tasks.env.games:
    assert game.num_actions == 6
  # Breakout with the full set: action 1 is "left", 3 is "right" (2, "up", does nothing).
  _, state = tasks.env.reset(jax.random.key(0), params)
  pos = lambda s: int(s.games[0].env_state.pos)
  start = pos(state)
  moved = {a: pos(tasks.env.step(jax.random.key(2), state, a, params)[1]) - start
           for a in (1, 2, 3)}
  assert moved == {1: -1, 2: 0, 3: 1} or start in (0, 9), (start, moved)


def test_only_the_game_in_force_advances(tasks):
  params = tasks.sample_params(None)
  _, state = tasks.env.reset(jax.random.key(0), params)
  step = tasks.env.step
  for i in range(5):
    _, state, *_ = step(jax.random.key(i), state, 3, tasks.set_task(params, 0))
  assert [int(t) for t in _times(state)] == [5, 0]
  frozen = state.games[0]
  for i in range(3):
    _, state, *_ = step(jax.random.key(10 + i), state, 2, tasks.set_task(params, 1))
  assert [int(t) for t in _times(state)] == [5, 3]
  jax.tree.map(np.testing.assert_array_equal, frozen, state.games[0])


def test_unknown_and_repeated_games_are_refused():
  with pytest.raises(ValueError, match="unknown game 'Pong-MinAtar'"):
    game_tasks(["Breakout-MinAtar", "Pong-MinAtar"])
  with pytest.raises(ValueError, match="once"):
    game_tasks(["Breakout-MinAtar", "Breakout-MinAtar"])


SMOKE = PPOConfig(num_envs=4, num_steps=16, num_epochs=1, num_minibatches=1, probe_size=16)


def _run(tasks, schedule, optimizer, reset_at_switch=False, seeds=2, lr=1e-3):
  network = NetworkSpec("mlp", (16,), "relu").build(tasks.num_actions)
  train = make_train(SMOKE, tasks, network, optimizer, schedule, reset_at_switch=reset_at_switch)
  keys = jax.random.split(jax.random.key(0), seeds)
  return jax.jit(jax.vmap(train, in_axes=(0, None)))(keys, {"lr": jnp.float32(lr)})


def test_smoke_run_two_games_two_cycles(tasks):
  schedule = Schedule.cycles(2, 2, 2)  # B B F F B B F F
  out = _run(tasks, schedule, METHODS["trac"].make)
  metrics = out["metrics"]
  for key in ("return", "episodes", "task", "entropy", "value_loss", "scale", "dormant_0.0",
              "dormant_0.1", "param_norm", "distance_from_init"):
    assert metrics[key].shape == (2, 8), key
  np.testing.assert_array_equal(metrics["task"][0], [0, 0, 1, 1, 0, 0, 1, 1])
  np.testing.assert_array_equal(schedule.switches, [0, 0, 1, 0, 1, 0, 1, 0])
  # Each env takes 16 steps per update, and Freeway only moves in its 4 updates (its
  # 2500-step episodes never end here), whatever Breakout does in between.
  np.testing.assert_array_equal(np.asarray(out["env_state"].games[1].env_state.time), 16 * 4)
  assert np.all(metrics["episodes"][:, [2, 3, 6, 7]] == 0)
  assert np.all(np.isfinite(metrics["scale"])) and np.all(metrics["scale"][:, -1] > 0)
  assert np.all((metrics["dormant_0.0"] >= 0) & (metrics["dormant_0.0"] <= 1))


class _CountState(NamedTuple):
  count: jax.Array


def _constant_step(lr):
  """Ignores the gradient and adds lr to every parameter; counts its updates."""
  return optax.GradientTransformation(
      lambda params: _CountState(jnp.zeros([], jnp.int32)),
      lambda g, state, params=None: (jax.tree.map(lambda x: jnp.full_like(x, lr), g),
                                     _CountState(state.count + 1)))


@pytest.mark.parametrize("reset", [True, False])
def test_reset_at_switch_restores_the_initial_network_and_a_fresh_optimizer_state(tasks, reset):
  # One optimizer step per update, each adding lr to every parameter: after n steps
  # since the last (re)start, |theta - theta_0| = n lr sqrt(#params) exactly.
  schedule = Schedule.cycles(2, 2, 1)  # B B F F: one switch, before update 2
  out = _run(tasks, schedule, _constant_step, reset_at_switch=reset, lr=0.5)
  num_params = sum(x[0].size for x in jax.tree.leaves(out["params"]))
  steps = np.asarray(out["metrics"]["distance_from_init"]) / (0.5 * np.sqrt(num_params))
  expected = [1, 2, 1, 2] if reset else [1, 2, 3, 4]
  np.testing.assert_allclose(steps, np.broadcast_to(expected, steps.shape), rtol=1e-5)
  np.testing.assert_array_equal(out["opt_state"][-1].count, 2 if reset else 4)
