"""examples/minatar_reference.py: R_ref's CLI (and the bad flags of both yardstick CLIs,
R_random's too)."""

import json

import numpy as np
import pytest

from examples import lifelong, minatar_random, run_folder, scoring
from examples import minatar_reference as ref
from examples import yardstick
from examples.networks import NetworkSpec
from examples.ppo import PPOConfig
from examples.presets import PRESETS, Preset


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
  per_update = scoring.update_returns(grid.metrics["reset"])[:, 0]  # [seeds, 20 updates]
  for task, game in enumerate(["Breakout-MinAtar", "Asterix-MinAtar"]):
    entry = saved["games"][game]
    assert entry["updates_averaged"] == 1  # a tenth of 10 updates
    last = per_update[:, 10 * task + 9]  # each visit's last update, by hand
    np.testing.assert_allclose(entry["per_seed"], last)
    np.testing.assert_allclose(entry["reference"], last.mean())
    assert entry["published"] == yardstick.PUBLISHED_RETURNS[game]
  assert saved["run_command"].startswith("python -m examples.lifelong --games")
  with pytest.raises(SystemExit) as exit_info:  # not a one-cycle run of the oracle
    ref.main(["--reference-from", str(tmp_path), "--out", str(tmp_path / "x.json")])
  assert exit_info.value.code == 2
