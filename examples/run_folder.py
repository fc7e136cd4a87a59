"""The run folder of a lifelong grid: its files, their one writer and one reader.

A run folder holds, from the moment a run starts, `status.json` (what the run
is doing or what became of it: the command, the code, progress, the error if it
failed, and the command that resumes it) and, while it runs, `checkpoints/`
(the grid's state after the last segment, see `examples.runner`). When the run
is done it gets the results, `FILES`, and the checkpoints go:

    results.json   the command, the settings, every summary number, code versions
    curves.npz     every per-update metric of every run (so figures redraw anywhere)
    segments.csv   every setting's score per segment and over the run
    tables.md      the tables, as printed
    curves.png, diagnostics.png, segments.png, sweep.png (several lrs),
    tuning_cost.png (combined folders)

`save` writes them, `load` reads a folder back into a `Grid`, `redraw` draws
the figures again from a folder alone. Both CLIs (`examples.lifelong`,
`examples.combine`) and the reports go through this module only.
"""

import contextlib
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from typing import Callable, Iterator, Optional

import jax
import numpy as np
import optax

from examples import figures, files, tables
from examples.files import read_json
from examples.grid import Grid
from examples.stats import BOOTSTRAP_REPS
from examples.summary import summarize_supervised
from examples.tasks import Schedule

STATUS = "status.json"
CHECKPOINTS = "checkpoints"
FILES = ("results.json", "curves.npz", "segments.csv", "tables.md", "curves.png",
         "diagnostics.png", "segments.png")


def code_version() -> dict[str, str]:
  """The git commit of this checkout (+dirty if Python files in trac_optax/ or examples/ differ
  from it) and the versions of jax and optax: TRAC and PPO are chaotic enough that any change
  in float rounding changes individual runs (not the statistics)."""
  root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  try:
    git = lambda *a: subprocess.run(["git", *a], cwd=root, capture_output=True, text=True,
                                    timeout=10)
    commit = git("rev-parse", "--short", "HEAD").stdout.strip() or "unknown"
    if git("diff", "--quiet", "HEAD", "--", "trac_optax/*.py", "examples/*.py").returncode:
      commit += "+dirty"
  except (OSError, subprocess.SubprocessError):
    commit = "unknown"
  return {"commit": commit, "jax": jax.__version__, "optax": optax.__version__}


# ---------------------------------------------------------------------------
# What the run is doing


def _now() -> str:
  return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def read_status(folder: str) -> Optional[dict]:
  """The folder's status.json, or None if it has none."""
  path = os.path.join(folder, STATUS)
  if not os.path.isfile(path):
    return None
  return read_json(path)


def _write_status(folder: str, status: dict):
  path = os.path.join(folder, STATUS)
  with open(path + ".tmp", "w") as f:
    json.dump(status, f, indent=1)
  os.replace(path + ".tmp", path)  # a reader never sees half a file


def start(folder: str, prog: str, argv: list[str], command: str, code: dict) -> dict:
  """Makes the folder (if need be) and records that a run starts, or resumes, in it."""
  os.makedirs(folder, exist_ok=True)
  status = read_status(folder) or {"argv": argv, "command": command, "code": code,
                                   "started": _now()}
  if "state" in status:  # a resumed run keeps its first start, and says it resumed
    status.setdefault("resumed", []).append({"at": _now(), "code": code})
  status.update({"state": "running", "updated": _now(), "error": None,
                 "resume": f"{prog} --resume {folder}"})
  _write_status(folder, status)
  return status


def progress(folder: str, done: int, total: int, seconds: float):
  """Records that `done` of `total` segments are done and saved."""
  status = read_status(folder)
  status.update({"updated": _now(), "progress": {"segments_done": done, "segments": total,
                                                 "seconds_this_session": round(seconds, 1)}})
  _write_status(folder, status)


def finish(folder: str, state: str, error: Optional[str] = None):
  """Records how the run ended: "done" (and drops the checkpoints), "interrupted" or
  "failed" (with the error; the checkpoints stay, for --resume)."""
  status = read_status(folder)
  status.update({"state": state, "updated": _now(), "error": error})
  if state == "done":
    status.pop("resume", None)
    shutil.rmtree(os.path.join(folder, CHECKPOINTS), ignore_errors=True)
  _write_status(folder, status)


# The files that say a folder holds a run, or the results a CLI wrote there.
_RUN_MARKERS = (STATUS, "results.json", "comparison.json")


def occupant(folder: str) -> Optional[str]:
  """What the folder holds that a new run would overwrite ("a finished run of
  `python -m examples.lifelong ...`"), or None when it holds no run or results."""
  if not os.path.isdir(folder):
    return None
  found = [name for name in _RUN_MARKERS if os.path.isfile(os.path.join(folder, name))]
  if not found:
    return None
  try:
    record = read_json(os.path.join(folder, found[0]))
  except ValueError:
    return f"a run's {found[0]} (unreadable)"
  state = record.get("state") if found[0] == "status.json" else "done"
  what = {"done": "a finished run", "running": "a run (still running, or stopped without "
          "saying so)", "interrupted": "an interrupted run", "failed": "a failed run"}.get(
              state, "a run")
  command = record.get("command")
  return f"{what}{f' of `{command}`' if command else ''}"


def set_aside(folder: str) -> Optional[str]:
  """Moves a folder that holds a run to `<folder>.replaced-<time>` (nothing is deleted);
  returns where it went, or None when there was nothing to move."""
  if occupant(folder) is None:
    return None
  target = f"{folder.rstrip(os.sep)}.replaced-{time.strftime('%Y%m%d-%H%M%S')}"
  suffix = 1
  while os.path.exists(target):
    target = f"{folder.rstrip(os.sep)}.replaced-{time.strftime('%Y%m%d-%H%M%S')}-{suffix}"
    suffix += 1
  os.rename(folder, target)
  print(f"--overwrite: moved the run that was in {folder} to {target}", file=sys.stderr)
  return target


def has_checkpoint(folder: str) -> bool:
  """Whether the folder holds a saved state of an unfinished run."""
  checkpoints = os.path.join(folder, CHECKPOINTS)
  return os.path.isdir(checkpoints) and any(n.isdigit() for n in os.listdir(checkpoints))


def time_left(done: int, total: int, first: int, seconds: float, compiled_by: list) -> str:
  """What the progress line says of the time left. The first segment of a session includes
  the compilation, so the estimate waits for a second one and leaves the first out."""
  if done == total:
    return "none left"
  if not compiled_by:
    compiled_by.append(seconds)
    return "compilation included; an estimate of the time left follows the next segment"
  per_segment = (seconds - compiled_by[0]) / max(done - first - 1, 1)
  return f"~{per_segment * (total - done):.0f}s left"


@contextlib.contextmanager
def recording(folder: str, prog: str, argv: list[str], command: str, code: dict,
              label: str, quiet: bool = False) -> Iterator[Callable]:
  """Keeps status.json true while a grid runs in `folder`; yields its `on_segment`.

  On entry the run is recorded as running; the `on_segment` it yields (for
  `examples.runner.run_programs`) records the progress and prints it (unless
  `quiet`); an exception marks the run interrupted (Ctrl-C) or failed (with the
  error's first line) and goes on. Only process 0 writes; the caller calls
  `finish(folder, "done")` once the results are written.
  """
  writer = jax.process_index() == 0
  if writer:
    start(folder, prog, argv, command, code)

  compiled_by = []  # the seconds at the end of this session's first segment

  def on_segment(done: int, total: int, first: int, seconds: float):
    if writer:
      progress(folder, done, total, seconds)
    if not quiet:
      print(f"  {label}: segment {done}/{total} done, {seconds:.0f}s, "
            f"{time_left(done, total, first, seconds, compiled_by)}", file=sys.stderr,
            flush=True)

  try:
    yield on_segment
  except KeyboardInterrupt:
    if writer:
      finish(folder, "interrupted", "KeyboardInterrupt")
    raise
  except Exception as error:
    if writer:
      first_line = (str(error).splitlines() or [""])[0]
      finish(folder, "failed", f"{type(error).__name__}: {first_line}")
    raise


# ---------------------------------------------------------------------------
# The results


def save(out: str, grid: Grid, summary: dict, schedule: Schedule, steps_per_update: int,
         about: dict):
  """Writes the results of a grid (see the module docstring) and draws its figures."""
  files.write_csv(os.path.join(out, "segments.csv"), summary["rows"])
  with open(os.path.join(out, "tables.md"), "w") as f:
    f.write(tables.tables(summary, f"{about['seeds']} seeds; `{about['command']}`",
                          markdown=True) + "\n")
  files.write_json(os.path.join(out, "results.json"), {**about, "configs": grid.configs,
                                                       "summary": summary})
  np.savez_compressed(os.path.join(out, "curves.npz"), **{
      f"{name}/{key}": value for name, m in grid.metrics.items() for key, value in m.items()})
  draw(out, grid, summary, schedule, steps_per_update)


def draw(out: str, grid: Grid, summary: dict, schedule: Schedule, steps_per_update: int):
  """Draws a folder's figures from its grid and summary."""
  figures.plot_curves(os.path.join(out, "curves.png"), grid, summary, schedule, steps_per_update)
  figures.plot_diagnostics(os.path.join(out, "diagnostics.png"), grid, summary, schedule,
                           steps_per_update)
  figures.plot_segments(os.path.join(out, "segments.png"), summary)
  if any(len({c["lr"] for c in m["settings"]}) > 1 for m in summary["methods"].values()):
    figures.plot_sweep(os.path.join(out, "sweep.png"), summary)


def load(folder: str) -> tuple[Grid, dict, Schedule, int]:
  """A run folder's grid, saved JSON, schedule and env steps per update.

  Raises:
    ValueError: the folder holds no finished run (it says why when it can).
  """
  if not os.path.isfile(os.path.join(folder, "results.json")):
    status = read_status(folder)
    why = ("not a run folder of examples.lifelong" if status is None else
           f"its run is {status['state']}" + (f": {status['error']}" if status.get("error")
                                              else ""))
    raise ValueError(f"{folder} has no results.json ({why})")
  if not os.path.isfile(os.path.join(folder, "curves.npz")):
    raise ValueError(f"{folder} has no curves.npz (its results predate keeping the curves, so "
                     "they cannot be redrawn or combined)")
  saved = read_json(os.path.join(folder, "results.json"))
  metrics = _read_curves(os.path.join(folder, "curves.npz"))
  grid = Grid(metrics, saved["configs"], saved["devices"],
              {name: int(np.prod(m["return"].shape[:2])) for name, m in metrics.items()})
  schedule = Schedule(tuple(saved["schedule"]["order"]), saved["schedule"]["updates_per_task"])
  steps_per_update = saved["ppo"]["num_envs"] * saved["ppo"]["num_steps"]
  return grid, saved, schedule, steps_per_update


def _read_curves(path: str) -> dict:
  """{method: {metric: array}} from a curves.npz; a damaged file is a ValueError naming it."""
  metrics: dict = {}
  try:
    with np.load(path) as curves:
      for key in curves.files:
        name, metric = key.split("/", 1)
        metrics.setdefault(name, {})[metric] = curves[key]
  except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
    raise ValueError(f"{path} cannot be read ({type(error).__name__}: "
                     f"{(str(error).splitlines() or [''])[0]})") from None
  return metrics


def redraw(folder: str):
  """Redraws a run folder's figures from its saved curves (no training)."""
  grid, saved, schedule, steps_per_update = load(folder)
  draw(folder, grid, saved["summary"], schedule, steps_per_update)


# ---------------------------------------------------------------------------
# The continual supervised benchmarks' results (examples.supervised)

SUPERVISED_FILES = ("results.json", "curves.npz", "tasks.csv", "tables.md", "curves.png",
                    "diagnostics.png")


def save_supervised(out: str, grid: Grid, saved: dict,
                    reps: int = BOOTSTRAP_REPS) -> tuple[dict, str]:
  """Writes a supervised grid's results: curves.npz, then everything `redraw_supervised`
  makes from it.

  Args:
    out: the run folder.
    grid: the grid's metrics ([seeds, settings, tasks]).
    saved: the run's config as results.json keeps it ("command", "loss",
      "window", "untuned_lr", "seeds", "wall_time_s", "about", "configs", ...).
    reps: bootstrap resamples per interval.

  Returns:
    The summary (`examples.summary.summarize_supervised`) and its tables as text.
  """
  np.savez_compressed(os.path.join(out, "curves.npz"), **{
      f"{name}/{key}": value.astype(np.float32) for name, m in grid.metrics.items()
      for key, value in m.items()})
  return _report_supervised(out, grid, saved, reps)


def _report_supervised(out: str, grid: Grid, saved: dict, reps: int) -> tuple[dict, str]:
  lower = saved["loss"] == "mse"
  measure = "online squared error" if lower else "online accuracy"
  summary = summarize_supervised(grid, measure, lower, saved["window"],
                                 {"lr": saved["untuned_lr"]}, reps)
  text = tables.supervised_tables(summary, f"{saved['seeds']} seeds; {saved['wall_time_s']:.0f}"
                                           f" s incl. compilation; `{saved['command']}`")
  files.write_csv(os.path.join(out, "tasks.csv"), summary["rows"])
  with open(os.path.join(out, "tables.md"), "w") as f:
    f.write(text + "\n")
  files.write_json(os.path.join(out, "results.json"), {
      **saved, "summary": {k: v for k, v in summary.items() if k != "rows"}})  # rows: the CSV
  figures.plot_supervised_curves(os.path.join(out, "curves.png"), summary, saved["about"])
  figures.plot_supervised_diagnostics(os.path.join(out, "diagnostics.png"), summary)
  return summary, text


def load_supervised(folder: str) -> tuple[Grid, dict]:
  """A supervised run folder's grid and saved config (results.json less its summary)."""
  saved = {k: v for k, v in read_json(os.path.join(folder, "results.json")).items()
           if k != "summary"}
  metrics = _read_curves(os.path.join(folder, "curves.npz"))
  runs = {name: int(np.prod(m["measure"].shape[:2])) for name, m in metrics.items()}
  return Grid(metrics, saved["configs"], saved["devices"], runs), saved


def redraw_supervised(folder: str, reps: int = BOOTSTRAP_REPS) -> dict:
  """Recomputes a supervised run folder's summary, tables and figures from its curves.npz
  (no training); returns the summary.

  Example:
    >>> from examples import run_folder
    >>> folder = "examples/results/supervised_random_labels"
    >>> summary = run_folder.redraw_supervised(folder)  # doctest: +SKIP
  """
  grid, saved = load_supervised(folder)
  return _report_supervised(folder, grid, saved, reps)[0]
