"""The results in a lifelong grid's run folder: its files, their one writer and one reader.

A run folder holds, from the moment a run starts, `status.json` and, while it
runs, `checkpoints/` (`examples.run_status`). When the run is done it gets the
results, `FILES`, and the checkpoints go:

    results.json   the command, the settings, every summary number, code versions
    curves.npz     every per-update metric of every run (so figures redraw anywhere)
    segments.csv   every setting's score per segment and over the run
    tables.md      the tables, as printed
    curves.png, diagnostics.png, segments.png, sweep.png (several lrs),
    tuning_cost.png (combined folders)

`save` writes them, `load` reads a folder back into a `Grid`, `redraw` draws
the figures again from a folder alone. Both CLIs (`examples.lifelong`,
`examples.combine`) and the reports go through this module only; a continual
supervised run's results are `examples.supervised_results`.
"""

import os
import zipfile

import numpy as np

from examples import figures, files, tables
from examples.files import read_json
from examples.grid import Grid
from examples.run_status import read_status
from examples.tasks import Schedule

FILES = ("results.json", "curves.npz", "segments.csv", "tables.md", "curves.png",
         "diagnostics.png", "segments.png")


# The files that say a folder holds a run, or the results a CLI wrote there.


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
  metrics = read_curves(os.path.join(folder, "curves.npz"))
  grid = Grid(metrics, saved["configs"], saved["devices"],
              {name: int(np.prod(m["return"].shape[:2])) for name, m in metrics.items()})
  schedule = Schedule(tuple(saved["schedule"]["order"]), saved["schedule"]["updates_per_task"])
  steps_per_update = saved["ppo"]["num_envs"] * saved["ppo"]["num_steps"]
  return grid, saved, schedule, steps_per_update


def read_curves(path: str) -> dict:
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
