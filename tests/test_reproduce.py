"""`python -m examples.published --reproduce`: the plan, a whole reproduction, and a resumed one.

The tests put two tiny CartPole grids in `examples.reproduce.GRIDS` and a small
PPO under the preset's name "published" (2 levels of one 64-step update, 2
seeds, Adam), so the path the real grids take runs in well under a minute.
"""

import dataclasses
import json
import os
import re

import pytest

from examples import lifelong, published, reproduce, run_status
from examples.networks import NetworkSpec
from examples.ppo import PPOConfig
from examples.presets import PRESETS

TINY = ("--preset", "published", "--env", "CartPole-v1", "--levels", "2", "--steps-per-level",
        "64", "--seeds", "2", "--optimizers", "adam", "--quiet")
README = os.path.join(reproduce.ROOT, "examples", "results", "README.md")


@pytest.fixture
def tiny(monkeypatch, tmp_path):
  """Two tiny grids in place of the published ones: "a" (whose committed folder records
  600 s) and "b" (whose committed folder is absent)."""
  monkeypatch.setitem(PRESETS, "published", dataclasses.replace(
      PRESETS["published"],
      ppo=PPOConfig(num_envs=1, num_steps=64, num_epochs=1, num_minibatches=2,
                    max_grad_norm=None, reward_scale=1 / 20, fresh_episodes=True,
                    value_target="returns", probe_size=16),
      network=NetworkSpec("mlp", (8,), "leaky_relu", init="torch")))
  committed = tmp_path / "committed"
  committed.mkdir()
  (committed / "results.json").write_text(json.dumps({"run_wall_times_s": [400.0, 200.0]}))
  monkeypatch.setattr(reproduce, "GRIDS", (
      reproduce.PlannedGrid("CartPole-v1", (*TINY, "--lr", "1e-3"), "a", str(committed)),
      reproduce.PlannedGrid("CartPole-v1", (*TINY, "--lr", "1e-2"), "b",
                            str(tmp_path / "not_committed"))))
  return tmp_path


def _status(folder, state, argv, **more):
  folder.mkdir(parents=True)
  (folder / "status.json").write_text(json.dumps({
      "state": state, "argv": argv, "command": " ".join(["python -m examples.lifelong", *argv]),
      **more}))


def test_the_published_grids_are_the_documented_commands(tmp_path):
  assert reproduce.envs() == ["CartPole-v1", "Acrobot-v1", "MountainCar-v0"]
  with open(README) as f:  # the first section's commands, one per line
    readme = re.sub(r"\s+", " ", f.read().split("\n## ")[1].replace("\\\n", " "))
  for grid in reproduce.GRIDS:
    argv = [*grid.argv, "--out", f"runs/{grid.name}"]
    assert f"python -m examples.lifelong {' '.join(argv)}" in readme, grid.name
    args = lifelong.parse_args([*grid.argv, "--out", str(tmp_path / grid.name)])
    assert args.preset == "published" and args.env == grid.env
  assert reproduce.recorded_wall_time("examples/results/no_such_folder") == (
      None, "examples/results/no_such_folder is not committed")


def test_the_plan_says_what_each_grid_does_and_how_long(tiny, capsys):
  runs, out = tiny / "runs", tiny / "comparison"
  _status(runs / "a", "interrupted", [*TINY, "--lr", "1e-3", "--out", "elsewhere/a"],
          progress={"segments_done": 1, "segments": 2})
  argv = ["--reproduce", "CartPole-v1", "--runs", str(runs), "--out", str(out)]
  assert published.main(argv + ["--plan"]) == {}
  text = capsys.readouterr().out
  assert (f"1. CartPole-v1, {runs / 'a'}: to resume (interrupted, 1/2 segments done); about "
          "5 min left") in text
  assert f"python -m examples.lifelong --resume {runs / 'a'} --quiet\n" in text
  assert f"2. CartPole-v1, {runs / 'b'}: to start\n" in text
  assert f"--lr 1e-2 --out {runs / 'b'}\n" in text
  assert f"then: python -m examples.published {runs / 'a'} {runs / 'b'} --out {out}\n" in text
  assert "Estimate: at least 5 min of training" in text
  assert f"no estimate for {runs / 'b'} ({tiny / 'not_committed'} is not committed)." in text
  assert not out.exists() and not (runs / "b").exists()  # nothing ran

  _status(runs / "b", "failed", [*TINY, "--lr", "3e-3"])  # another grid in b's place
  with pytest.raises(SystemExit) as exit_info:
    published.main(argv)
  err = capsys.readouterr().err
  assert exit_info.value.code == 2 and err.count("\n") == 1, err
  assert f"{runs / 'b'} holds a run of `python -m examples.lifelong" in err
  assert "not of this grid" in err and not out.exists()


def test_a_stopped_reproduction_resumes_where_it_stopped(tiny, monkeypatch, capsys):
  runs, out = tiny / "runs", tiny / "comparison"
  argv = ["--reproduce", "CartPole-v1", "--runs", str(runs), "--out", str(out)]
  progress = run_status.progress

  def stop_in_b(folder, done, *rest):  # Ctrl-C once b's first level is saved
    progress(folder, done, *rest)
    if folder == str(runs / "b"):
      raise KeyboardInterrupt

  with monkeypatch.context() as patch:
    patch.setattr(run_status, "progress", stop_in_b)
    with pytest.raises(KeyboardInterrupt):
      published.main(argv)
  printed = capsys.readouterr()
  assert "Estimate: at least 10 min of training" in printed.out
  assert f"stopped in grid 2 of 2 ({runs / 'b'}); the same command again resumes it" in printed.err
  assert run_status.read_status(str(runs / "a"))["state"] == "done"
  assert run_status.read_status(str(runs / "b"))["state"] == "interrupted"
  assert not out.exists()

  calls = []
  run_lifelong = lifelong.main
  monkeypatch.setattr(lifelong, "main", lambda a: calls.append(list(a)) or run_lifelong(a))
  envs = published.main(argv)
  printed = capsys.readouterr().out
  assert f"{runs / 'a'}: done, kept" in printed and "to resume (interrupted, 1/2" in printed
  assert calls == [["--resume", str(runs / "b"), "--quiet"]]  # a is not trained again
  status = run_status.read_status(str(runs / "b"))
  assert status["state"] == "done" and len(status["resumed"]) == 1
  saved = json.loads((out / "comparison.json").read_text())
  assert saved["command"] == (  # the command that made it
      f"python -m examples.published --reproduce CartPole-v1 --runs {runs} --out {out}")
  assert saved["folders"] == [str(runs / "a"), str(runs / "b")]
  assert "| CartPole-v1 | Adam | C-CHAIN, 0.001 |" in (out / "comparison.md").read_text()
  assert envs["CartPole-v1"]["available"] and not envs["Acrobot-v1"]["available"]
  for name in ("comparison.md", "comparison.json", "curves.png", "profiles.png"):
    assert (out / name).stat().st_size > 0, name

  with pytest.raises(SystemExit) as exit_info:  # the comparison is not overwritten
    published.main(argv)
  assert exit_info.value.code == 2
  assert "holds a finished run of `python -m examples.published" in capsys.readouterr().err
  assert published.main(argv + ["--overwrite", "--plan"]) == {}
  assert "every grid is done; only the comparison is left" in capsys.readouterr().out
  assert calls == [["--resume", str(runs / "b"), "--quiet"]]
