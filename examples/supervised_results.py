"""The results of a continual supervised run (`examples.supervised`): its files, writer and reader.

A supervised run folder holds `SUPERVISED_FILES`: results.json (the config and
every summary number), curves.npz (every per-task metric of every run), tasks.csv,
tables.md and the figures. `save_supervised` writes them, `load_supervised`
reads a folder back into a `Grid`, `redraw_supervised` recomputes the summary,
tables and figures from curves.npz alone. Its status while it runs is
`examples.run_status`'s, as for a lifelong run.
"""

import os

import numpy as np

from examples import figures_supervised, files, tables_supervised
from examples.files import read_json
from examples.grid import Grid
from examples.run_folder import read_curves
from examples.stats import BOOTSTRAP_REPS
from examples.summary_supervised import summarize_supervised


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
    The summary (`examples.summary_supervised.summarize_supervised`) and its tables as text.
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
  caption = (f"{saved['seeds']} seeds; {saved['wall_time_s']:.0f} s incl. compilation; "
           f"`{saved['command']}`")
  text = tables_supervised.supervised_tables(summary, caption)
  files.write_csv(os.path.join(out, "tasks.csv"), summary["rows"])
  with open(os.path.join(out, "tables.md"), "w") as f:
    f.write(text + "\n")
  files.write_json(os.path.join(out, "results.json"), {
      **saved, "summary": {k: v for k, v in summary.items() if k != "rows"}})  # rows: the CSV
  figures_supervised.plot_supervised_curves(os.path.join(out, "curves.png"), summary,
                                            saved["about"])
  figures_supervised.plot_supervised_diagnostics(os.path.join(out, "diagnostics.png"), summary)
  return summary, text


def load_supervised(folder: str) -> tuple[Grid, dict]:
  """A supervised run folder's grid and saved config (results.json less its summary)."""
  saved = {k: v for k, v in read_json(os.path.join(folder, "results.json")).items()
           if k != "summary"}
  metrics = read_curves(os.path.join(folder, "curves.npz"))
  runs = {name: int(np.prod(m["measure"].shape[:2])) for name, m in metrics.items()}
  return Grid(metrics, saved["configs"], saved["devices"], runs), saved


def redraw_supervised(folder: str, reps: int = BOOTSTRAP_REPS) -> dict:
  """Recomputes a supervised run folder's summary, tables and figures from its curves.npz
  (no training); returns the summary.

  Example:
    >>> from examples import run_folder
    >>> folder = "examples/results/supervised_random_labels"
    >>> summary = supervised_results.redraw_supervised(folder)  # doctest: +SKIP
  """
  grid, saved = load_supervised(folder)
  return _report_supervised(folder, grid, saved, reps)[0]
