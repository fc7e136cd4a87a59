"""Puts the run folders of one lifelong setting side by side: one summary, tables and figures.

    python -m examples.combine runs/main runs/remedies --lr-from-adam l2_init shrink_perturb \\
        --out runs/comparison

Runs of the same tasks, schedule, PPO, network and base seed (so seed i is the
same seed in every folder and comparisons stay paired) are merged method by
method, as if they had been one grid: e.g. a main run over a learning-rate
grid and a run of remedies at the learning rate Adam did best with. Folders may
hold different numbers of seeds (a costly remedy grid run on fewer seeds);
each method's statistics are over its own seeds, and the tables say how many.

The folder gets the tables (printed), segments.csv, results.json,
curves.png, diagnostics.png, sweep.png and tuning_cost.png (whole-run score
against the number of settings tried; TRAC at its default learning rate is one
point).
"""

import argparse
import os
from typing import Optional, Sequence

import numpy as np

from examples import figures, run_folder, run_status, tables, yardstick
from examples.cli import Parser, check_out_folder, command_line
from examples.grid import Grid
from examples.methods import METHODS
from examples.presets import PRESETS
from examples.scoring import SCORES
from examples.summary import add_tuning_cost, summarize
from examples.summary_fields import seed_counts

PROG = "python -m examples.combine"

# What must agree between the folders for their seeds to be the same runs.
_SAME = ("tasks", "task_names", "schedule", "ppo", "network", "seed", "shift")
# Display settings, which change nothing in a run.
_DISPLAY = ("progress_every",)


def _comparable(value):
  return ({k: v for k, v in value.items() if k not in _DISPLAY} if isinstance(value, dict)
          else value)


def merge(folders: Sequence[str]) -> tuple[Grid, list[dict], object, int]:
  """The grids of `folders` as one, with every folder's saved description (first folder's first).

  Raises:
    ValueError: the folders differ in what `_SAME` lists, or a method appears twice.
  """
  grids = [run_folder.load(folder) for folder in folders]
  _, first, schedule, steps_per_update = grids[0]
  metrics, configs, runs = {}, {}, {}
  for folder, (grid, saved, _, _) in zip(folders, grids):
    for key in _SAME:
      if _comparable(saved.get(key)) != _comparable(first.get(key)):
        raise ValueError(f"{folder} differs from {folders[0]} in {key!r}: "
                         f"{saved.get(key)!r} vs {first.get(key)!r}")
    for name in grid.metrics:
      if name in metrics:
        raise ValueError(f"method {name!r} is in more than one folder ({folder})")
      metrics[name], configs[name], runs[name] = grid.metrics[name], grid.configs[name], \
          grid.runs[name]
  devices = max(saved["devices"] for _, saved, _, _ in grids)
  return (Grid(metrics, configs, devices, runs), [saved for _, saved, _, _ in grids], schedule,
          steps_per_update)


def untuned_setting(summary: dict, name: str, default_lr: float) -> int:
  """The setting of `name` at `default_lr` if it was run, else its median setting."""
  for j, setting in enumerate(summary["methods"][name]["settings"]):
    if np.isclose(setting["lr"], default_lr):
      return j
  return summary["methods"][name]["median"]


def main(argv: Optional[Sequence[str]] = None) -> dict:
  parser = Parser(prog=PROG, description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("folders", nargs="+", help="run folders written by examples.lifelong")
  parser.add_argument("--out", required=True, help="output folder (one that holds results "
                      "is refused unless --overwrite is given)")
  parser.add_argument("--overwrite", action="store_true",
                      help="where --out holds results, move them aside to "
                      "<out>.replaced-<time> (nothing is deleted)")
  parser.add_argument("--lr-from-adam", nargs="*", default=[], metavar="METHOD",
                      help="methods run at the learning rate Adam did best with: their "
                      "tuning cost includes Adam's sweep")
  parser.add_argument("--default-lr", type=float, default=None,
                      help="TRAC's untuned learning rate, its one point in tuning_cost.png "
                      "(default: the preset's)")
  parser.add_argument("--score", choices=SCORES, default="updates",
                      help="how a segment's return averages its episodes: over updates (the "
                      "published score, default) or over episodes")
  args = parser.parse_args(argv)
  if args.default_lr is not None and not (np.isfinite(args.default_lr) and args.default_lr > 0):
    parser.error(f"--default-lr must be > 0, got {args.default_lr}")
  check_out_folder(parser, args.out, args.overwrite)
  try:
    grid, every_saved, schedule, steps_per_update = merge(args.folders)
  except ValueError as error:
    parser.error(str(error))
  saved = every_saved[0]
  unknown = [m for m in args.lr_from_adam if m not in grid.metrics]
  if unknown:
    parser.error(f"--lr-from-adam: {unknown[0]!r} is in none of the folders")

  summary = summarize(grid, saved["task_names"], saved["tasks"], schedule, args.score,
                      yardstick.for_tasks(saved["task_names"]))
  add_tuning_cost(summary, args.lr_from_adam)
  default_lr = PRESETS[saved["preset"]].lr if args.default_lr is None else args.default_lr
  untuned_names = [name for name in summary["methods"]
                   if name in METHODS and METHODS[name].role == "untuned"]
  if args.default_lr is not None:
    if not untuned_names:
      parser.error("--default-lr: no method in the folders is run untuned (TRAC's lr is its "
                   "one point in tuning_cost.png; these folders have none)")
    for name in untuned_names:
      lrs = sorted({s["lr"] for s in summary["methods"][name]["settings"]})
      if not any(np.isclose(lr, default_lr) for lr in lrs):
        parser.error(f"--default-lr {args.default_lr:g}: {name} was not run at that "
                     f"learning rate (its grid: {', '.join(f'{lr:g}' for lr in lrs)})")
  untuned = {name: untuned_setting(summary, name, default_lr) for name in untuned_names}
  if args.overwrite:
    run_status.set_aside(args.out)
  os.makedirs(args.out, exist_ok=True)
  command = command_line(PROG, argv)
  about = {key: saved[key] for key in saved if key not in ("summary", "configs", "command",
                                                            "methods", "lrs", "runs",
                                                            "wall_time_s")}
  about.update({"seeds": seed_counts(s["seeds"] for s in every_saved),
                "command": command, "folders": list(args.folders),
                "commands": [s["command"] for s in every_saved],
                "code": run_status.code_version(),  # the code that combined them
                "run_codes": [s["code"] for s in every_saved],
                "run_wall_times_s": [s.get("wall_time_s") for s in every_saved],
                "methods": list(grid.metrics), "lr_from_adam": args.lr_from_adam,
                "untuned": {name: summary["methods"][name]["settings"][j]
                            for name, j in untuned.items()}})
  run_folder.save(args.out, grid, summary, schedule, steps_per_update, about)
  figures.plot_tuning_cost(os.path.join(args.out, "tuning_cost.png"), summary, untuned)
  print(tables.tables(summary, f"{about['seeds']} seeds; {command}"))
  print(f"\nWrote {args.out}/: {', '.join(sorted(os.listdir(args.out)))}")
  return {"summary": summary, "grid": grid}


if __name__ == "__main__":
  main()
