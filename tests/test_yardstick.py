"""examples/yardstick.py: the normalised score by hand, the committed references, which sequences it scores."""

import json

import numpy as np
import pytest

from examples import yardstick
from examples.tasks import MINATAR_GAMES


def test_the_score_is_zero_at_random_one_at_the_reference_and_linear_between():
  got = yardstick.normalized_score([0.5, 28.0, 14.25, -2.25], "Breakout-MinAtar", r_random=0.5,
                             r_ref=28.0)
  # Hand-worked: (14.25 - 0.5) / (28 - 0.5) = 13.75 / 27.5 = 0.5; (-2.25 - 0.5) / 27.5 = -0.1.
  np.testing.assert_allclose(got, [0.0, 1.0, 0.5, -0.1])
  assert got.dtype == np.float64 and got.shape == (4,)
  grid = yardstick.normalized_score(np.full((2, 3), 131.0), "SpaceInvaders-MinAtar", r_random=3.0,
                              r_ref=131.0)
  np.testing.assert_allclose(grid, np.ones((2, 3)))  # any shape, elementwise


def test_the_committed_random_returns_and_references_are_used_by_default():
  for game in MINATAR_GAMES:
    r_ref, source = yardstick.reference_return(game)
    r_random = yardstick.random_return(game)
    assert 0 <= r_random < r_ref and source
    np.testing.assert_allclose(yardstick.normalized_score([r_random, r_ref], game), [0.0, 1.0],
                               atol=1e-12)
  assert yardstick.PUBLISHED_RETURNS == {"Breakout-MinAtar": 28.0, "SpaceInvaders-MinAtar": 131.0,
                                   "Asterix-MinAtar": 15.0, "Freeway-MinAtar": 58.0}


def test_the_reference_is_ours_where_measured_and_else_the_published_one(tmp_path):
  path = tmp_path / "reference.json"
  path.write_text(json.dumps({"games": {"Seaquest-MinAtar": {"reference": 7.5,
                                                             "source": "ours"}}}))
  assert yardstick.reference_return("Seaquest-MinAtar", str(path)) == (7.5, "ours")
  assert yardstick.reference_return("Breakout-MinAtar", str(path)) == (
      28.0, "gymnax-blines PPO, 10M steps")
  with pytest.raises(ValueError, match="no reference return"):
    yardstick.reference_return("Seaquest-MinAtar", str(tmp_path / "absent.json"))


def test_the_yardstick_is_for_minatar_sequences_only():
  assert yardstick.for_tasks(["CartPole-v1"]) is None
  assert yardstick.for_tasks(["Breakout-MinAtar", "CartPole-v1"]) is None
  y = yardstick.for_tasks(["Asterix-MinAtar", "Breakout-MinAtar"])
  assert list(y) == ["Asterix-MinAtar", "Breakout-MinAtar"]
  assert y["Breakout-MinAtar"]["random"] == yardstick.random_return("Breakout-MinAtar")
  assert y["Breakout-MinAtar"]["reference"] == yardstick.reference_return("Breakout-MinAtar")[0]


def test_a_sequence_with_a_game_without_reference_is_scored_raw(monkeypatch, tmp_path):
  monkeypatch.setattr(yardstick, "REFERENCE_JSON", str(tmp_path / "absent.json"))
  monkeypatch.setattr(yardstick.reference_return, "__defaults__", (str(tmp_path / "absent.json"),))
  assert yardstick.for_tasks(["Breakout-MinAtar", "Seaquest-MinAtar"]) is None
  assert yardstick.for_tasks(["Breakout-MinAtar"]) is not None


def test_unknown_games_and_games_without_a_reference_are_refused():
  with pytest.raises(ValueError, match="unknown game 'Pong-MinAtar'"):
    yardstick.normalized_score(1.0, "Pong-MinAtar")
  np.testing.assert_allclose(  # with a reference of one's own it is scored
      yardstick.normalized_score(5.05, "Seaquest-MinAtar", r_random=0.1, r_ref=10.0), 0.5)
  with pytest.raises(ValueError, match="undefined"):
    yardstick.normalized_score(1.0, "Breakout-MinAtar", r_random=28.0)
