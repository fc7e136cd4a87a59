"""examples/minatar_random.py: the random policy's episodes on a tiny sample, R_random's CLI.

(Its bad flags are tested with R_ref's, in test_minatar_reference.py.)"""

import json

import jax
import numpy as np
import pytest

from examples import minatar_random, yardstick

EMPTY = {"games": {}}


def test_unknown_games_and_empty_samples_are_refused(tmp_path):
  with pytest.raises(ValueError, match="unknown game"):
    minatar_random.random_returns("Breakout", 2, jax.random.key(0))
  with pytest.raises(ValueError, match="episodes must be >= 1"):
    minatar_random.random_returns("Breakout-MinAtar", 0, jax.random.key(0))
  (tmp_path / "random.json").write_text(json.dumps(EMPTY))
  with pytest.raises(ValueError, match="no random return"):
    yardstick.random_return("Breakout-MinAtar", path=str(tmp_path / "random.json"))


def test_random_episodes_end_and_are_the_same_for_the_same_key(monkeypatch):
  key = jax.random.key(3)
  run = minatar_random.random_episodes("Breakout-MinAtar", 6, key)
  assert run.returns.shape == run.lengths.shape == (6,)
  assert np.all(np.isfinite(run.returns)) and np.all(run.returns >= 0)
  assert np.all(run.returns == np.round(run.returns))  # +1 per brick
  assert np.all(run.lengths >= 1) and np.all(run.lengths <= 1000)  # ended, within the limit
  np.testing.assert_array_equal(minatar_random.random_returns("Breakout-MinAtar", 6, key),
                                run.returns)
  monkeypatch.setattr(minatar_random, "CHUNK", 4)  # batching changes no episode
  again = minatar_random.random_episodes("Breakout-MinAtar", 6, key)
  np.testing.assert_array_equal(again.returns, run.returns)
  np.testing.assert_array_equal(again.lengths, run.lengths)
  other = minatar_random.random_episodes("Breakout-MinAtar", 6, jax.random.key(4))
  assert not np.array_equal(other.lengths, run.lengths)


def test_an_output_path_under_a_file_is_refused_before_running(tmp_path, capsys):
  (tmp_path / "file").write_text("")
  with pytest.raises(SystemExit) as exit_info:
    minatar_random.main(["--episodes", "2", "--out", str(tmp_path / "file" / "random.json")])
  assert exit_info.value.code == 2 and capsys.readouterr().err.count("\n") == 1


def test_a_tiny_run_writes_every_key(tmp_path):
  out = tmp_path / "sub" / "random.json"
  minatar_random.main(["--episodes", "3", "--games", "Breakout-MinAtar", "--out", str(out)])
  saved = json.loads(out.read_text())
  assert set(saved) >= {"command", "versions", "date", "games", "seed"}
  assert saved["command"].startswith("python -m examples.minatar_random --episodes 3")
  assert set(saved["versions"]) >= {"jax", "gymnax"}
  assert list(saved["games"]) == ["Breakout-MinAtar"]
  game = saved["games"]["Breakout-MinAtar"]
  assert game["episodes"] == 3
  assert set(game) >= {"mean", "standard_error", "episodes", "mean_length"}
  assert np.isfinite(game["mean"]) and game["standard_error"] >= 0

