"""examples/shifts.py and examples/lifelong.py: the shift wrapper and the lifelong CLI."""

import json
import os
import subprocess
import sys

import gymnax
import jax
import numpy as np
import pytest
from gymnax.wrappers.purerl import FlattenObservationWrapper

from examples import combine, lifelong, run_folder, run_status, yardstick
from examples.networks import NetworkSpec
from examples.ppo import PPOConfig
from examples.presets import PRESETS, Preset
from examples.shifts import SHIFT_KINDS, ShiftObservationWrapper, sample_shifts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _envs(name="Acrobot-v1"):
  base, base_params = gymnax.make(name)
  base = FlattenObservationWrapper(base)
  return base, ShiftObservationWrapper(base), base_params


def _expected(obs, params, level):
  """The transform of `level`, written out per kind, independently of the wrapper."""
  return np.asarray(params.gain[level]) * np.asarray(obs)[np.asarray(params.perm[level])] \
      + np.asarray(params.offset[level])


@pytest.mark.parametrize("kind", SHIFT_KINDS)
def test_shift_wrapper_transforms_observations_inside_jit(kind):
  base, shifted, base_params = _envs()
  obs_dim = 6
  params = sample_shifts(jax.random.key(0), kind, 4, obs_dim, 2.0, base_params)

  @jax.jit
  def both(key, level):
    level_params = params.replace(level=level)
    obs, state = base.reset(key, base_params)
    obs_s, state_s = shifted.reset(key, level_params)
    step = base.step(key, state, 1, base_params)
    step_s = shifted.step(key, state_s, 1, level_params)
    return obs, obs_s, step, step_s

  key = jax.random.key(1)
  for level in range(4):
    obs, obs_s, step, step_s = both(key, level)
    np.testing.assert_allclose(obs_s, _expected(obs, params, level), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(step_s[0], _expected(step[0], params, level), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(step_s[5]["final_observation"],
                               _expected(step[5]["final_observation"], params, level),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(step_s[2], step[2])  # reward
    if level == 0:  # level 0 is the plain environment
      np.testing.assert_allclose(obs_s, obs, rtol=1e-6, atol=1e-6)
    else:
      assert not np.allclose(obs_s, obs)


def test_offsets_are_the_papers_gaussian_draws():
  params = sample_shifts(jax.random.key(2), "offset", 201, 6, 2.0, None)
  offsets = np.asarray(params.offset)
  np.testing.assert_array_equal(offsets[0], 0)
  assert abs(offsets[1:].std() - 2.0) < 0.15
  assert len({tuple(row) for row in offsets[1:].round(6)}) == 200  # one draw per level
  np.testing.assert_array_equal(params.perm, np.broadcast_to(np.arange(6), (201, 6)))
  np.testing.assert_array_equal(params.gain, 1)


def test_permute_and_sign_draw_valid_transforms():
  perm = np.asarray(sample_shifts(jax.random.key(3), "permute", 5, 6, 2.0, None).perm)
  assert all(sorted(row) == list(range(6)) for row in perm)
  np.testing.assert_array_equal(perm[0], np.arange(6))
  gain = np.asarray(sample_shifts(jax.random.key(3), "sign", 5, 6, 2.0, None).gain)
  assert set(np.unique(gain)) <= {-1.0, 1.0} and (gain[1:] == -1).any()
  np.testing.assert_array_equal(gain[0], 1)


def test_unknown_shift_kind():
  with pytest.raises(ValueError, match="unknown shift"):
    sample_shifts(jax.random.key(0), "rotate", 2, 4, 1.0, None)


# ---------------------------------------------------------------------------
# Command line


def test_cli_grid_replaces_a_methods_grid():
  args = lifelong.parse_args(["--optimizers", "adam", "l2_init", "--grid",
                              "l2_init.strength=1e-3,1e-2"])
  grids = {m.name: m.configs([1e-3]) for m in args.methods}
  assert grids["adam"] == [{"lr": 1e-3}]
  assert grids["l2_init"] == [{"lr": 1e-3, "strength": 1e-3}, {"lr": 1e-3, "strength": 1e-2}]


def test_cli_exit_status():
  bad = subprocess.run([sys.executable, "-m", "examples.lifelong", "--seeds", "0"],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
  assert bad.returncode == 2
  # Only the last line: an import-time warning on stderr is not a defect.
  assert bad.stderr.splitlines()[-1] == (
      "python -m examples.lifelong: error: --seeds must be >= 1, got 0")


def test_cli_help_lists_the_flags(capsys):
  with pytest.raises(SystemExit) as exit_info:
    lifelong.parse_args(["--help"])
  assert exit_info.value.code == 0
  usage = capsys.readouterr().out
  for flag in ("--env", "--levels", "--steps-per-level", "--seeds", "--lr", "--optimizers",
               "--shift", "--shift-scale", "--preset", "--out", "--games", "--steps-per-game",
               "--cycles", "--devices"):
    assert flag in usage


def test_cli_defaults_per_mode():
  shifts = lifelong.prepare([])
  assert (shifts.mode, shifts.preset) == ("shifts", "paper")
  assert [m.name for m in shifts.methods] == ["adam", "trac"]
  assert shifts.schedule.updates_per_task == 40 and len(shifts.schedule.order) == 5
  assert shifts.segment_updates == 40  # saved at the end of every level
  games = lifelong.prepare(["--games", "Breakout-MinAtar", "Freeway-MinAtar"])
  assert (games.mode, games.preset) == ("games", "minatar")
  assert [m.name for m in games.methods] == ["adam", "trac", "reset"]
  assert games.schedule.order == (0, 1, 0, 1)  # two cycles by default
  assert games.tasks.obs_shape == (10, 10, 7)


SHIFT_RUN = ["--levels", "3", "--steps-per-level", "1024", "--seeds", "2", "--preset",
             "purejaxrl", "--save-every", "1"]


@pytest.fixture(scope="module")
def shift_run(tmp_path_factory):
  """One small CLI run of Adam and TRAC over two learning rates, and what it printed."""
  out = tmp_path_factory.mktemp("shift") / "run"
  result = lifelong.main(SHIFT_RUN + ["--lr", "1e-3", "1e-2", "--out", str(out)])
  return out, result


def test_cli_shift_run_writes_results(shift_run):
  out, result = shift_run
  for name in ("curves.png", "diagnostics.png", "segments.png", "sweep.png", "tables.md",
               "segments.csv", "results.json", "curves.npz"):
    assert (out / name).stat().st_size > 0, name
  assert "| TRAC(Adam) | lr 0.01 |" in (out / "tables.md").read_text()
  for metrics in result["grid"].metrics.values():
    assert metrics["return"].shape == (2, 2, 6)  # seeds x lrs x updates
    np.testing.assert_array_equal(metrics["task"][0, 0], [0, 0, 1, 1, 2, 2])
  text = (out / "results.json").read_text()
  assert "NaN" not in text and "Infinity" not in text  # JSON has neither: null instead
  saved = json.loads(text)
  assert saved["lrs"] == [1e-3, 1e-2] and saved["seeds"] == 2
  assert len(saved["summary"]["rows"]) == 2 * 2 * 4  # methods x lrs x (3 levels + whole run)
  assert saved["code"]["commit"]
  status = json.loads((out / "status.json").read_text())
  assert status["state"] == "done" and status["progress"]["segments_done"] == 6
  assert not (out / "checkpoints").exists()  # dropped once the results are written
  run_folder.redraw(str(out))  # figures from the saved curves alone


def test_an_interrupted_run_says_so_and_resumes_to_the_same_numbers(shift_run, tmp_path,
                                                                     monkeypatch, capsys):
  done, _ = shift_run
  out = tmp_path / "interrupted"
  saved = []

  def interrupt_after_two(folder, segments_done, *rest):
    saved.append(segments_done)
    if segments_done == 2:
      raise KeyboardInterrupt

  with monkeypatch.context() as patch:
    patch.setattr(run_status, "progress", interrupt_after_two)
    with pytest.raises(KeyboardInterrupt):
      lifelong.main(SHIFT_RUN + ["--lr", "1e-3", "1e-2", "--out", str(out)])
  status = json.loads((out / "status.json").read_text())
  assert status["state"] == "interrupted" and status["resume"].endswith(f"--resume {out}")
  assert not (out / "results.json").exists() and (out / "checkpoints").is_dir()
  with pytest.raises(SystemExit):  # a folder without results is not for combine
    combine.main([str(out), "--out", str(tmp_path / "combined")])
  assert "its run is interrupted" in capsys.readouterr().err

  lifelong.main(["--resume", str(out), "--quiet"])
  status = json.loads((out / "status.json").read_text())
  assert status["state"] == "done" and len(status["resumed"]) == 1
  resumed, uninterrupted = np.load(out / "curves.npz"), np.load(done / "curves.npz")
  assert sorted(resumed.files) == sorted(uninterrupted.files)
  for key in uninterrupted.files:
    np.testing.assert_array_equal(resumed[key], uninterrupted[key], err_msg=key)
  with pytest.raises(SystemExit):
    lifelong.prepare(["--resume", str(out)])
  assert "that run is done" in capsys.readouterr().err


def test_combine_merges_runs_of_one_setting(shift_run, tmp_path, capsys):
  first, _ = shift_run
  remedies = tmp_path / "remedies"
  # The remedy's grid on fewer seeds (and another progress display): its seed 0 is still the
  # main run's seed 0.
  lifelong.main(SHIFT_RUN + ["--seeds", "1", "--save-every", "2", "--lr", "1e-3",
                             "--optimizers", "l2_init", "--out", str(remedies)])
  printed = capsys.readouterr()
  assert "whole run" in printed.out and "Adam + L2 to init" in printed.out
  assert "segment 3/3 done" in printed.err  # the progress display
  combined = tmp_path / "combined"
  out = combine.main([str(first), str(remedies), "--lr-from-adam", "l2_init", "--out",
                      str(combined)])
  methods = out["summary"]["methods"]
  assert list(methods) == ["adam", "trac", "l2_init"]
  assert methods["l2_init"]["configurations"] == 4
  assert methods["l2_init"]["configurations_tried"] == 4 + 2  # plus Adam's two lrs
  assert len(methods["adam"]["best_of_k"]) == 2
  # Paired seeds: the first level's first update is the same rollout for every method.
  first_update = out["grid"].metrics["l2_init"]["return"][:, :, 0]
  assert first_update.shape == (1, 4)
  np.testing.assert_array_equal(first_update,
                                np.broadcast_to(out["grid"].metrics["adam"]["return"][:1, :1, 0],
                                                first_update.shape))
  seeds = {r["method"]: r["seeds"] for r in out["summary"]["rows"] if r["segment"] == "all"}
  assert seeds == {"adam": 2, "trac": 2, "l2_init": 1}
  for name in ("tuning_cost.png", "curves.png", "results.json", "segments.csv"):
    assert (combined / name).stat().st_size > 0, name
  saved = json.loads((combined / "results.json").read_text())
  assert len(saved["run_codes"]) == 2 and saved["code"]["commit"]
  assert [t > 0 for t in saved["run_wall_times_s"]] == [True, True]
  printed = capsys.readouterr().out
  assert "Adam's lr sweep" in printed and "1-2 seeds" in printed
  with pytest.raises(SystemExit) as exit_info:  # a method in two folders
    combine.main([str(first), str(first), "--out", str(tmp_path / "twice")])
  assert exit_info.value.code == 2


def test_cli_game_run_reports_normalized_returns(tmp_path, monkeypatch, capsys):
  # A tiny PPO so that the whole game-switching path (yardstick, normalised scores, the
  # plasticity-loss test, figures) runs in a test.
  tiny = Preset(PPOConfig(num_envs=4, num_steps=16, num_epochs=1, num_minibatches=1,
                          probe_size=16), NetworkSpec("mlp", (8,), "relu"), 1e-3, "test")
  monkeypatch.setitem(PRESETS, "tiny", tiny)
  out = tmp_path / "games"
  result = lifelong.main(["--games", "Breakout-MinAtar", "Asterix-MinAtar", "--steps-per-game",
                          "256", "--seeds", "2", "--optimizers", "trac", "reset", "--preset",
                          "tiny", "--quiet", "--out", str(out)])
  summary = result["summary"]
  assert [s["name"] for s in summary["segments"]] == [
      "Breakout c1", "Asterix c1", "Breakout c2", "Asterix c2"]
  assert summary["score"] == "normalized"
  assert set(summary["yardstick"]) == {"Breakout-MinAtar", "Asterix-MinAtar"}
  breakout = summary["yardstick"]["Breakout-MinAtar"]  # fixed: the run changes nothing in it
  assert (breakout["random"], breakout["reference"]) == (
      yardstick.random_return("Breakout-MinAtar"),
      yardstick.reference_return("Breakout-MinAtar")[0])
  whole = [r for r in summary["rows"] if r["segment"] == "all"]
  assert len(whole) == 2 and all(np.isfinite(r["normalized"]) for r in whole)
  for r in summary["rows"]:  # normalised by hand from the raw per-seed returns
    y = summary["yardstick"].get(r["task"])
    if y is not None:
      np.testing.assert_allclose(r["norm_per_seed"], (np.asarray(r["per_seed"]) - y["random"])
                                 / (y["reference"] - y["random"]))
  test = summary["plasticity"]
  assert {(t["method"], t["task"], t["visit"]) for t in test} == {
      (m, g, 2) for m in ("trac", "reset") for g in ("Breakout-MinAtar", "Asterix-MinAtar")}
  assert all("verdict" in t for t in test)
  assert all(("minus_oracle" in t) == (t["method"] == "trac") for t in test)
  for name in ("curves.png", "diagnostics.png", "segments.csv", "results.json"):
    assert (out / name).stat().st_size > 0, name
  printed = capsys.readouterr().out
  assert "Normalized score" in printed and "Plasticity-loss test" in printed
