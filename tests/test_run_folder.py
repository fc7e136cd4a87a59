"""examples/run_folder.py: the run folder has one writer and one reader, and says what happened."""

import glob
import json
import os
import re

import pytest

from examples import experiment, lifelong, run_folder, run_status, supervised_results

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_only_the_run_folder_modules_name_the_run_folders_files():
  # The files that hold data (figures are named by whoever draws into their own folders).
  names = {n for n in (*run_folder.FILES, *supervised_results.SUPERVISED_FILES, run_status.STATUS)
           if not n.endswith(".png")}
  pattern = re.compile("|".join(re.escape(f'"{n}"') for n in names))
  for path in glob.glob(os.path.join(ROOT, "examples", "*.py")):
    if os.path.basename(path) in ("run_folder.py", "run_status.py", "supervised_results.py"):
      continue
    with open(path) as f:
      found = pattern.findall(f.read())
    assert not found, f"{os.path.basename(path)} names {found}: the run folder's format is " \
                      "the run folder modules' (run_folder, run_status, supervised_results)"


def test_a_failed_run_leaves_a_folder_that_says_so(tmp_path, monkeypatch):
  def broken(*args, **kwargs):
    raise RuntimeError("out of memory\nthe rest of a long message")

  monkeypatch.setattr(experiment, "run_grid", broken)
  out = tmp_path / "failed"
  with pytest.raises(RuntimeError):
    lifelong.main(["--levels", "2", "--steps-per-level", "512", "--seeds", "1", "--quiet",
                   "--out", str(out)])
  status = json.loads((out / "status.json").read_text())
  assert status["state"] == "failed" and status["error"] == "RuntimeError: out of memory"
  assert status["resume"] == f"python -m examples.lifelong --resume {out}"
  assert status["argv"][-1] == str(out) and status["code"]["commit"]
  with pytest.raises(ValueError, match="its run is failed: RuntimeError: out of memory"):
    run_folder.load(str(out))


def test_a_folder_without_curves_says_why_it_cannot_be_read(tmp_path):
  (tmp_path / "results.json").write_text("{}")
  with pytest.raises(ValueError, match="has no curves.npz"):
    run_folder.load(str(tmp_path))
  with pytest.raises(ValueError, match="not a run folder"):
    run_folder.load(str(tmp_path / "nothing"))


TINY = ["--preset", "purejaxrl", "--levels", "2", "--steps-per-level", "512", "--seeds", "1",
        "--quiet"]


def test_overwrite_moves_the_old_run_aside_and_never_deletes_it(tmp_path, capsys):
  out = tmp_path / "run"
  lifelong.main(TINY + ["--out", str(out)])
  first = (out / "results.json").read_text()
  with pytest.raises(SystemExit):  # without --overwrite: refused, nothing touched
    lifelong.main(TINY + ["--seeds", "2", "--out", str(out)])
  assert "holds a finished run" in capsys.readouterr().err
  assert (out / "results.json").read_text() == first
  lifelong.main(TINY + ["--seeds", "2", "--out", str(out), "--overwrite"])
  assert "--overwrite: moved the run that was in" in capsys.readouterr().err
  aside = [p for p in tmp_path.iterdir() if p.name.startswith("run.replaced-")]
  assert len(aside) == 1 and (aside[0] / "results.json").read_text() == first
  status = json.loads((out / "status.json").read_text())
  assert status["state"] == "done" and "resumed" not in status
  assert status["argv"] == TINY + ["--seeds", "2", "--out", str(out), "--overwrite"]
  assert json.loads((out / "results.json").read_text())["seeds"] == 2


def test_a_summary_that_fails_leaves_the_run_failed_and_resume_finishes_it(tmp_path,
                                                                           monkeypatch):
  out = tmp_path / "run"
  trained = []
  real_summarize = experiment.summarize

  def broken(*args, **kwargs):
    raise ImportError("No module named 'rliable'")

  with monkeypatch.context() as patch:
    patch.setattr(experiment, "summarize", broken)
    patch.setattr(run_status, "progress", lambda folder, done, *rest: trained.append(done))
    with pytest.raises(ImportError):
      lifelong.main(TINY + ["--out", str(out)])
  assert trained == [1, 2]  # it trained to the end before the summary failed
  status = json.loads((out / "status.json").read_text())
  assert status["state"] == "failed" and status["error"] == (
      "ImportError: No module named 'rliable'")
  assert run_status.has_checkpoint(str(out)) and not (out / "results.json").exists()

  trained.clear()
  monkeypatch.setattr(run_status, "progress", lambda folder, done, *rest: trained.append(done))
  assert experiment.summarize is real_summarize
  lifelong.main(["--resume", str(out)])
  assert trained == []  # nothing trained again: the summary only
  assert json.loads((out / "status.json").read_text())["state"] == "done"
  assert (out / "results.json").stat().st_size > 0


def test_a_missing_package_is_one_line_before_any_training(monkeypatch, capsys):
  import importlib.util
  real = importlib.util.find_spec
  monkeypatch.setattr(importlib.util, "find_spec",
                      lambda name, *a: None if name == "rliable" else real(name, *a))
  with pytest.raises(SystemExit) as exit_info:
    lifelong.prepare(TINY)
  err = capsys.readouterr().err
  assert exit_info.value.code == 2 and err.count("\n") == 1
  assert "rliable is not installed (the summary's intervals need it)" in err


def test_the_time_left_leaves_the_compilation_out():
  compiled_by = []
  assert "compilation included" in run_status.time_left(1, 5, 0, 30.0, compiled_by)
  assert run_status.time_left(2, 5, 0, 40.0, compiled_by) == "~30s left"  # 10 s a segment
  assert run_status.time_left(3, 5, 0, 50.0, compiled_by) == "~20s left"
  assert run_status.time_left(5, 5, 0, 70.0, compiled_by) == "none left"
  resumed = []  # a resumed session that starts at segment 2: its first includes compiling
  assert "compilation included" in run_status.time_left(3, 5, 2, 25.0, resumed)
  assert run_status.time_left(4, 5, 2, 35.0, resumed) == "~10s left"
