"""examples/minatar_reference.py: the normalised score by hand, the references, R_ref's CLI
(and the bad flags of both yardstick CLIs, R_random's too)."""

import json

import numpy as np
import pytest

from examples import lifelong, minatar_random, run_folder, stats
from examples import minatar_reference as ref
from examples.networks import NetworkSpec
from examples.ppo import PPOConfig
from examples.presets import PRESETS, Preset


def test_the_score_is_zero_at_random_one_at_the_reference_and_linear_between():
  got = ref.normalized_score([0.5, 28.0, 14.25, -2.25], "Breakout-MinAtar", r_random=0.5,
                             r_ref=28.0)
  # Hand-worked: (14.25 - 0.5) / (28 - 0.5) = 13.75 / 27.5 = 0.5; (-2.25 - 0.5) / 27.5 = -0.1.
  np.testing.assert_allclose(got, [0.0, 1.0, 0.5, -0.1])
  assert got.dtype == np.float64 and got.shape == (4,)
  grid = ref.normalized_score(np.full((2, 3), 131.0), "SpaceInvaders-MinAtar", r_random=3.0,
                              r_ref=131.0)
  np.testing.assert_allclose(grid, np.ones((2, 3)))  # any shape, elementwise


def test_the_committed_random_returns_and_references_are_used_by_default():
  for game in ref.MINATAR_GAMES:
    r_ref, source = ref.reference_return(game)
    r_random = minatar_random.random_return(game)
    assert 0 <= r_random < r_ref and source
    np.testing.assert_allclose(ref.normalized_score([r_random, r_ref], game), [0.0, 1.0],
                               atol=1e-12)
  assert ref.PUBLISHED_RETURNS == {"Breakout-MinAtar": 28.0, "SpaceInvaders-MinAtar": 131.0,
                                   "Asterix-MinAtar": 15.0, "Freeway-MinAtar": 58.0}


def test_the_reference_is_ours_where_measured_and_else_the_published_one(tmp_path):
  path = tmp_path / "reference.json"
  path.write_text(json.dumps({"games": {"Seaquest-MinAtar": {"reference": 7.5,
                                                             "source": "ours"}}}))
  assert ref.reference_return("Seaquest-MinAtar", str(path)) == (7.5, "ours")
  assert ref.reference_return("Breakout-MinAtar", str(path)) == (
      28.0, "gymnax-blines PPO, 10M steps")
  with pytest.raises(ValueError, match="no reference return"):
    ref.reference_return("Seaquest-MinAtar", str(tmp_path / "absent.json"))


def test_the_yardstick_is_for_minatar_sequences_only():
  assert ref.yardstick(["CartPole-v1"]) is None
  assert ref.yardstick(["Breakout-MinAtar", "CartPole-v1"]) is None
  y = ref.yardstick(["Asterix-MinAtar", "Breakout-MinAtar"])
  assert list(y) == ["Asterix-MinAtar", "Breakout-MinAtar"]
  assert y["Breakout-MinAtar"]["random"] == minatar_random.random_return("Breakout-MinAtar")
  assert y["Breakout-MinAtar"]["reference"] == ref.reference_return("Breakout-MinAtar")[0]


def test_a_sequence_with_a_game_without_reference_is_scored_raw(monkeypatch, tmp_path):
  monkeypatch.setattr(ref, "REFERENCE_JSON", str(tmp_path / "absent.json"))
  monkeypatch.setattr(ref.reference_return, "__defaults__", (str(tmp_path / "absent.json"),))
  assert ref.yardstick(["Breakout-MinAtar", "Seaquest-MinAtar"]) is None
  assert ref.yardstick(["Breakout-MinAtar"]) is not None


def test_unknown_games_and_games_without_a_reference_are_refused():
  with pytest.raises(ValueError, match="unknown game 'Pong-MinAtar'"):
    ref.normalized_score(1.0, "Pong-MinAtar")
  np.testing.assert_allclose(  # with a reference of one's own it is scored
      ref.normalized_score(5.05, "Seaquest-MinAtar", r_random=0.1, r_ref=10.0), 0.5)
  with pytest.raises(ValueError, match="undefined"):
    ref.normalized_score(1.0, "Breakout-MinAtar", r_random=28.0)


@pytest.mark.parametrize("module, argv", [
    (minatar_random, ["--episodes", "1"]),
    (minatar_random, ["--episodes", "many"]),
    (minatar_random, ["--games", "Pong-MinAtar"]),
    (minatar_random, ["--games", "Breakout-MinAtar", "Breakout-MinAtar"]),
    (minatar_random, ["--episodes", "4", "4", "4"]),
    (minatar_random, ["--bogus"]),
    (minatar_random, ["--reference-from", "."]),
    (ref, []),
    (ref, ["--bogus"]),
    (ref, ["--reference-from", "/no/such/folder"]),
    (ref, ["--reference-from", ".", "--games", "Breakout-MinAtar"]),
    (ref, ["--reference-from", ".", "--out", "."]),
])
def test_a_bad_flag_of_either_yardstick_cli_is_one_line_and_exit_2(module, argv, capsys):
  with pytest.raises(SystemExit) as exit_info:
    module.main(argv)
  out, err = capsys.readouterr()
  assert exit_info.value.code == 2 and out == ""
  assert err.startswith(f"python -m {module.__name__}: error: ")
  assert err.count("\n") == 1, err


def test_the_reference_of_a_from_scratch_run_is_its_last_tenth(tmp_path, monkeypatch, capsys):
  tiny = Preset(PPOConfig(num_envs=4, num_steps=16, num_epochs=1, num_minibatches=1,
                          probe_size=16), NetworkSpec("mlp", (8,), "relu"), 1e-3, "test")
  monkeypatch.setitem(PRESETS, "tiny", tiny)
  run = tmp_path / "scratch"
  lifelong.main(["--games", "Breakout-MinAtar", "Asterix-MinAtar", "--steps-per-game", "640",
                 "--cycles", "1", "--seeds", "2", "--optimizers", "reset", "--preset", "tiny",
                 "--quiet", "--out", str(run)])
  out = tmp_path / "reference.json"
  saved = ref.main(["--reference-from", str(run), "--out", str(out)])
  assert json.loads(out.read_text()) == saved
  grid, _, schedule, _ = run_folder.load(str(run))
  per_update = stats.update_returns(grid.metrics["reset"])[:, 0]  # [seeds, 20 updates]
  for task, game in enumerate(["Breakout-MinAtar", "Asterix-MinAtar"]):
    entry = saved["games"][game]
    assert entry["updates_averaged"] == 1  # a tenth of 10 updates
    last = per_update[:, 10 * task + 9]  # each visit's last update, by hand
    np.testing.assert_allclose(entry["per_seed"], last)
    np.testing.assert_allclose(entry["reference"], last.mean())
    assert entry["published"] == ref.PUBLISHED_RETURNS[game]
  assert saved["run_command"].startswith("python -m examples.lifelong --games")
  with pytest.raises(SystemExit) as exit_info:  # not a one-cycle run of the oracle
    ref.main(["--reference-from", str(tmp_path), "--out", str(tmp_path / "x.json")])
  assert exit_info.value.code == 2
