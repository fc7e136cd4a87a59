"""examples/run_folder.py: the run folder has one writer and one reader, and says what happened."""

import glob
import json
import os
import re

import pytest

from examples import experiment, lifelong, run_folder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_only_the_run_folder_module_names_the_run_folders_files():
  # The files that hold data (figures are named by whoever draws into their own folders).
  names = {n for n in (*run_folder.FILES, *run_folder.SUPERVISED_FILES, run_folder.STATUS)
           if not n.endswith(".png")}
  pattern = re.compile("|".join(re.escape(f'"{n}"') for n in names))
  for path in glob.glob(os.path.join(ROOT, "examples", "*.py")):
    if os.path.basename(path) == "run_folder.py":
      continue
    with open(path) as f:
      found = pattern.findall(f.read())
    assert not found, f"{os.path.basename(path)} names {found}: the run folder's format is " \
                      "run_folder.py's"


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
