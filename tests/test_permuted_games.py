"""examples/permuted_games.py: the game switches with a new pixel permutation at every visit."""

import jax
import numpy as np
import pytest

from examples.games import game_tasks
from examples.permuted_games import permuted_game_tasks
from examples.tasks import Schedule

GAMES = ("Breakout-MinAtar", "SpaceInvaders-MinAtar")


@pytest.fixture(scope="module")
def tasks():
  return permuted_game_tasks(GAMES, num_visits=3)


def test_each_visit_sees_the_plain_screen_through_its_own_permutation(tasks):
  plain = game_tasks(GAMES)
  params = tasks.sample_params(jax.random.key(0))
  perm = np.asarray(params.perm)
  assert perm.shape == (3, 100)
  for v in range(3):
    assert sorted(perm[v]) == list(range(100))  # a permutation of the 10 x 10 pixels
  assert len({tuple(p) for p in perm}) == 3  # a new one at every visit, the first included
  key = jax.random.key(1)
  plain_obs, plain_state = plain.env.reset(key, plain.env.default_params)
  for task in (0, 1):
    for visit in (0, 2):
      selected = tasks.select(params, task, visit)
      obs, state = tasks.env.reset(key, selected)
      seen = np.asarray(tasks.observe(state, selected)).reshape(100, -1)
      screen = np.asarray(plain.observe(plain_state, plain.set_task(
          plain.env.default_params, task))).reshape(100, -1)
      np.testing.assert_array_equal(seen, screen[perm[visit]])  # a pixel's channels move together
      np.testing.assert_array_equal(np.asarray(obs).reshape(100, -1), screen[perm[visit]])
      next_obs, _, _, _, _, info = tasks.env.step(jax.random.key(2), state, 0, selected)
      assert next_obs.shape == info["final_observation"].shape == (10, 10, 6)


def test_the_seeds_draw_different_permutations(tasks):
  a = np.asarray(tasks.sample_params(jax.random.key(0)).perm)
  b = np.asarray(tasks.sample_params(jax.random.key(1)).perm)
  assert not np.array_equal(a, b)


def test_the_schedule_says_which_visit_is_in_force():
  schedule = Schedule.cycles(2, 3, 2)
  np.testing.assert_array_equal(schedule.visits, [0] * 6 + [1] * 6)
  np.testing.assert_array_equal(schedule.tasks, [0, 0, 0, 1, 1, 1] * 2)


def test_a_plain_task_set_ignores_the_visit():
  plain = game_tasks(GAMES)
  params = plain.env.default_params
  assert plain.select(params, 1, 4) == plain.set_task(params, 1)


def test_bad_visit_counts_and_games_are_refused():
  with pytest.raises(ValueError, match="num_visits must be >= 1"):
    permuted_game_tasks(GAMES, 0)
  with pytest.raises(ValueError, match="unknown game"):
    permuted_game_tasks(["Pong-MinAtar"], 2)
