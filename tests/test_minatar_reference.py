"""examples/minatar_reference.py: the normalised score by hand, the random policy's episodes, the CLI."""

import json

import jax
import numpy as np
import pytest

from examples import minatar_reference as ref


def test_the_score_is_zero_at_random_one_at_the_reference_and_linear_between():
  got = ref.normalized_score([0.5, 28.0, 14.25, -2.25], "Breakout-MinAtar", r_random=0.5)
  # Hand-worked: (14.25 - 0.5) / (28 - 0.5) = 13.75 / 27.5 = 0.5; (-2.25 - 0.5) / 27.5 = -0.1.
  np.testing.assert_allclose(got, [0.0, 1.0, 0.5, -0.1])
  assert got.dtype == np.float64 and got.shape == (4,)
  grid = ref.normalized_score(np.full((2, 3), 131.0), "SpaceInvaders-MinAtar", r_random=3.0)
  np.testing.assert_allclose(grid, np.ones((2, 3)))  # any shape, elementwise


def test_the_committed_random_returns_and_published_references_are_used_by_default():
  for game, r_ref in ref.REFERENCE_RETURNS.items():
    r_random = ref.random_return(game)
    assert 0 <= r_random < r_ref
    np.testing.assert_allclose(ref.normalized_score([r_random, r_ref], game), [0.0, 1.0],
                               atol=1e-12)
  assert ref.REFERENCE_RETURNS == {"Breakout-MinAtar": 28.0, "SpaceInvaders-MinAtar": 131.0,
                                   "Asterix-MinAtar": 15.0, "Freeway-MinAtar": 58.0}


def test_unknown_games_and_games_without_a_reference_are_refused():
  with pytest.raises(ValueError, match="unknown game 'Pong-MinAtar'"):
    ref.normalized_score(1.0, "Pong-MinAtar")
  with pytest.raises(ValueError, match="no published reference"):
    ref.normalized_score(1.0, "Seaquest-MinAtar", r_random=0.1)
  np.testing.assert_allclose(  # with a reference of one's own it is scored
      ref.normalized_score(5.05, "Seaquest-MinAtar", r_random=0.1, r_ref=10.0), 0.5)
  with pytest.raises(ValueError, match="undefined"):
    ref.normalized_score(1.0, "Breakout-MinAtar", r_random=28.0)
  with pytest.raises(ValueError, match="unknown game"):
    ref.random_returns("Breakout", 2, jax.random.key(0))
  with pytest.raises(ValueError, match="episodes must be >= 1"):
    ref.random_returns("Breakout-MinAtar", 0, jax.random.key(0))


def test_random_episodes_end_and_are_the_same_for_the_same_key(monkeypatch):
  key = jax.random.key(3)
  run = ref.random_episodes("Breakout-MinAtar", 6, key)
  assert run.returns.shape == run.lengths.shape == (6,)
  assert np.all(np.isfinite(run.returns)) and np.all(run.returns >= 0)
  assert np.all(run.returns == np.round(run.returns))  # +1 per brick
  assert np.all(run.lengths >= 1) and np.all(run.lengths <= 1000)  # ended, within the limit
  np.testing.assert_array_equal(ref.random_returns("Breakout-MinAtar", 6, key), run.returns)
  monkeypatch.setattr(ref, "CHUNK", 4)  # batching changes no episode
  again = ref.random_episodes("Breakout-MinAtar", 6, key)
  np.testing.assert_array_equal(again.returns, run.returns)
  np.testing.assert_array_equal(again.lengths, run.lengths)
  other = ref.random_episodes("Breakout-MinAtar", 6, jax.random.key(4))
  assert not np.array_equal(other.lengths, run.lengths)


@pytest.mark.parametrize("argv", [
    ["--episodes", "1"],
    ["--episodes", "many"],
    ["--games", "Pong-MinAtar"],
    ["--games", "Breakout-MinAtar", "Breakout-MinAtar"],
    ["--episodes", "4", "4", "4"],
    ["--bogus"],
])
def test_a_bad_flag_is_one_line_and_exit_2(argv, capsys):
  with pytest.raises(SystemExit) as exit_info:
    ref.main(argv)
  out, err = capsys.readouterr()
  assert exit_info.value.code == 2 and out == ""
  assert err.startswith("python -m examples.minatar_reference: error: ")
  assert err.count("\n") == 1, err


def test_an_output_path_under_a_file_is_refused_before_running(tmp_path, capsys):
  (tmp_path / "file").write_text("")
  with pytest.raises(SystemExit) as exit_info:
    ref.main(["--episodes", "2", "--out", str(tmp_path / "file" / "random.json")])
  assert exit_info.value.code == 2 and capsys.readouterr().err.count("\n") == 1


def test_a_tiny_run_writes_every_key(tmp_path):
  out = tmp_path / "sub" / "random.json"
  ref.main(["--episodes", "3", "--games", "Breakout-MinAtar", "--out", str(out)])
  saved = json.loads(out.read_text())
  assert set(saved) >= {"command", "versions", "date", "games", "seed"}
  assert saved["command"].startswith("python -m examples.minatar_reference --episodes 3")
  assert set(saved["versions"]) >= {"jax", "gymnax"}
  assert list(saved["games"]) == ["Breakout-MinAtar"]
  game = saved["games"]["Breakout-MinAtar"]
  assert game["episodes"] == 3
  assert set(game) >= {"mean", "standard_error", "episodes", "mean_length"}
  assert np.isfinite(game["mean"]) and game["standard_error"] >= 0
