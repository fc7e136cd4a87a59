"""Continual supervised benchmarks where networks lose plasticity: Adam, TRAC(Adam) and remedies.

    python -m examples.supervised                          # the demo: regression, ~30 s
    python -m examples.supervised --benchmark permuted
    python -m examples.supervised --benchmark random_labels --tasks 40 --seeds 16 \\
        --optimizers adam trac reset --lr 1e-3 1e-2
    python -m examples.supervised --help

Three benchmarks (`examples.supervised_tasks`): slowly-changing regression,
permuted-input MNIST-1D and random-label MNIST-1D. Every (method, setting, seed)
trains through all the tasks in one jitted call (`examples.supervised_train`),
split over the devices JAX sees. Seed i sees the same tasks and initial network
under every method and setting, so comparisons are paired.

The run folder gets results.json (config, command, code version, the
summary, every seed's whole-run score), tasks.csv (every setting's
measure per task and over the whole run, with intervals), tables.md,
curves.npz (every per-task metric of every run), curves.png (the measure per
task, each method at its best setting and TRAC at its untuned learning rate)
and diagnostics.png (dormant units, |theta|, |theta - theta_0|, TRAC's S).
"""

import os

# jaxlib 0.10's CPU runtime can deadlock in vmapped LAPACK calls with its
# concurrency-optimized scheduler; must be set before jax is imported.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_enable_concurrency_optimized_scheduler=false")

import argparse  # noqa: E402
import json  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Optional, Sequence  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402

from examples import supervised_report, supervised_tasks  # noqa: E402
from examples.grid import device_mesh  # noqa: E402
from examples.lifelong import code_version, with_grids  # noqa: E402
from examples.methods import METHODS  # noqa: E402
from examples.report import write_csv, write_json  # noqa: E402
from examples.stats import BOOTSTRAP_REPS  # noqa: E402
from examples.supervised_train import MLP, SupervisedGrid, run_grid  # noqa: E402

# The demo's sizes (each under a minute on 2 CPU cores with the default methods).
DEFAULTS = {
    "regression": {"tasks": 20, "examples_per_task": 2000, "batch_size": 10, "hidden": [5],
                   "lr": [1e-2]},
    "permuted": {"tasks": 10, "epochs": 1, "batch_size": 16, "hidden": [64, 64], "lr": [1e-3]},
    "random_labels": {"tasks": 10, "subset": 500, "epochs": 10, "batch_size": 50,
                      "hidden": [64, 64], "lr": [1e-3]},
}
SPECIFIC = {"examples_per_task": ("regression",), "epochs": ("permuted", "random_labels"),
            "subset": ("random_labels",)}
UNTUNED_LR = 1e-3  # TRAC's "untuned" setting: Adam's usual default, fixed before any run
EXCLUDED = ("trac_rebuilt",)  # an ablation of the RL experiments, not a method here


class _Parser(argparse.ArgumentParser):
  """A bad argument: one line on stderr, exit status 2."""

  def error(self, message):
    self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> _Parser:
  p = _Parser(prog="python -m examples.supervised",
              description="Continual supervised learning through many tasks: slowly-changing "
              "regression, permuted-input or random-label MNIST-1D. With no arguments: the "
              "regression demo (about 30 s on 2 cores).")
  p.add_argument("--benchmark", default="regression", help="regression (default), permuted "
                 "or random_labels")
  p.add_argument("--tasks", type=int, help="tasks in a run (regression: slow-bit settings)")
  p.add_argument("--examples-per-task", type=int,
                 help="regression: examples between two bit flips (source: 10000)")
  p.add_argument("--epochs", type=int, help="MNIST-1D: passes over the data per task")
  p.add_argument("--subset", type=int, help="random_labels: sequences memorised")
  p.add_argument("--batch-size", type=int, help="examples per optimizer step")
  p.add_argument("--hidden", type=int, nargs="+", help="hidden layer widths (ReLU)")
  p.add_argument("--seeds", type=int, default=4, help="seeds per method and setting (default 4)")
  p.add_argument("--lr", type=float, nargs="+", help="learning rate(s); several give a sweep")
  p.add_argument("--optimizers", nargs="+", default=["adam", "trac", "reset"], metavar="METHOD",
                 help="any of " + ", ".join(m for m in METHODS if m not in EXCLUDED)
                 + " (default: adam trac reset)")
  p.add_argument("--grid", nargs="+", default=[], metavar="METHOD.NAME=V,V",
                 help="replace a method's own grid, e.g. l2_init.strength=1e-3,1e-2")
  p.add_argument("--window", type=int, help="K: the positive control compares the last K "
                 "tasks with the first K (default: a fifth of the tasks)")
  p.add_argument("--bootstrap-reps", type=int, default=BOOTSTRAP_REPS,
                 help=f"resamples per bootstrap interval (default {BOOTSTRAP_REPS})")
  p.add_argument("--seed", type=int, default=0, help="base random seed (default 0)")
  p.add_argument("--progress-every", type=int, default=None,
                 help="print progress every this many tasks, 0: off (default: ~10 lines)")
  p.add_argument("--devices", type=int, default=None,
                 help="split the grid over this many devices (default: all JAX sees)")
  p.add_argument("--out", help="output folder (default: runs/supervised-<benchmark>-<time>)")
  return p


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
  parser = _parser()
  args = parser.parse_args(argv)
  if args.benchmark not in supervised_tasks.BENCHMARKS:
    parser.error(f"unknown benchmark {args.benchmark!r}; choose from "
                 f"{', '.join(supervised_tasks.BENCHMARKS)}")
  for key, benchmarks in SPECIFIC.items():
    if getattr(args, key) is not None and args.benchmark not in benchmarks:
      parser.error(f"--{key.replace('_', '-')} is for {' or '.join(benchmarks)}, not "
                   f"{args.benchmark}")
  for key, value in DEFAULTS[args.benchmark].items():
    if getattr(args, key) is None:
      setattr(args, key, value)
  for key in ("tasks", "examples_per_task", "epochs", "subset", "batch_size"):
    value = getattr(args, key, None)
    if value is not None and value < (2 if key == "tasks" else 1):
      parser.error(f"--{key.replace('_', '-')} must be >= {2 if key == 'tasks' else 1}, "
                   f"got {value}")
  if min(args.hidden) < 1:
    parser.error(f"--hidden widths must be >= 1, got {' '.join(map(str, args.hidden))}")
  if args.seeds < 1:
    parser.error(f"--seeds must be >= 1, got {args.seeds}")
  if not all(np.isfinite(lr) and lr > 0 for lr in args.lr):
    parser.error(f"--lr must be > 0, got {' '.join(map(str, args.lr))}")
  unknown = [m for m in args.optimizers if m not in METHODS or m in EXCLUDED]
  if unknown:
    parser.error(f"unknown optimizer {unknown[0]!r}; choose from "
                 f"{', '.join(m for m in METHODS if m not in EXCLUDED)}")
  if len(set(args.optimizers)) != len(args.optimizers):
    parser.error(f"--optimizers lists a method twice: {' '.join(args.optimizers)}")
  if args.bootstrap_reps < 1:
    parser.error(f"--bootstrap-reps must be >= 1, got {args.bootstrap_reps}")
  if args.window is None:
    args.window = max(1, args.tasks // 5)
  if not 1 <= args.window <= args.tasks // 2:
    parser.error(f"--window must be between 1 and half the tasks ({args.tasks // 2}), "
                 f"got {args.window}")
  if args.progress_every is None:
    args.progress_every = max(1, args.tasks // 10)
  if args.progress_every < 0:
    parser.error(f"--progress-every must be >= 0, got {args.progress_every}")
  try:  # bad --grid, a batch size that does not divide, too many devices
    args.methods = with_grids([METHODS[name] for name in args.optimizers], args.grid)
    args.bench = build(args)
    args.mesh = device_mesh(args.devices)
  except ValueError as error:
    parser.error(str(error))
  return args


def build(args: argparse.Namespace) -> supervised_tasks.Benchmark:
  """The benchmark the arguments describe."""
  if args.benchmark == "regression":
    return supervised_tasks.regression(args.tasks, args.examples_per_task, args.batch_size)
  if args.benchmark == "permuted":
    return supervised_tasks.permuted(args.tasks, args.epochs, args.batch_size)
  return supervised_tasks.random_labels(args.tasks, args.subset, args.epochs, args.batch_size)


def main(argv: Optional[Sequence[str]] = None) -> dict:
  args = parse_args(argv)
  bench, methods, lrs = args.bench, args.methods, args.lr
  out = args.out or os.path.join("runs", f"supervised-{args.benchmark}-"
                                         f"{time.strftime('%Y%m%d-%H%M%S')}")
  os.makedirs(out, exist_ok=True)
  command = "python -m examples.supervised" + "".join(
      " " + shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
  code = code_version()  # before anyone edits the checkout
  network = MLP(tuple(args.hidden), bench.num_outputs)
  runs = sum(len(m.configs(lrs)) for m in methods) * args.seeds
  devices = 1 if args.mesh is None else args.mesh.size
  print(f"{bench.about}; {bench.num_tasks} tasks x {bench.steps_per_task} steps; MLP "
        f"{'x'.join(map(str, args.hidden))} ReLU; {runs} runs ({', '.join(args.optimizers)} x "
        f"{args.seeds} seeds x lr {', '.join(f'{lr:g}' for lr in lrs)}) in one jitted call on "
        f"{devices} device{'s' if devices > 1 else ''} ({jax.default_backend()})",
        file=sys.stderr)
  start = time.perf_counter()
  grid = run_grid(bench, network, methods, lrs, args.seeds, args.seed, args.progress_every,
                  args.mesh)
  wall = time.perf_counter() - start
  saved = {
      "command": command, "benchmark": args.benchmark, "about": bench.about,
      "loss": bench.loss, "num_tasks": bench.num_tasks, "steps_per_task": bench.steps_per_task,
      "batch_size": bench.batch_size, "examples_per_task": bench.examples_per_task,
      "epochs": getattr(args, "epochs", None), "subset": getattr(args, "subset", None),
      "hidden": args.hidden, "methods": args.optimizers, "lrs": lrs, "seeds": args.seeds,
      "seed": args.seed, "runs": runs, "devices": devices, "backend": jax.default_backend(),
      "untuned_lr": UNTUNED_LR, "window": args.window, "wall_time_s": round(wall, 1),
      "code": code, "configs": grid.configs}
  np.savez_compressed(os.path.join(out, "curves.npz"), **{
      f"{name}/{key}": value.astype(np.float32) for name, m in grid.metrics.items()
      for key, value in m.items()})
  summary = report(out, grid, saved, args.bootstrap_reps)
  print(f"\nWrote {out}/: curves.png, diagnostics.png, tables.md, tasks.csv, results.json, "
        "curves.npz")
  return {"out": out, "grid": grid, "summary": summary}


def report(out: str, grid: SupervisedGrid, saved: dict,
           reps: int = BOOTSTRAP_REPS) -> dict:
  """Summarises a grid into its run folder: results.json, tasks.csv, tables.md, the figures.

  Args:
    out: the run folder.
    grid: the grid's metrics.
    saved: the run's config as results.json keeps it ("command", "loss",
      "window", "untuned_lr", "seeds", "wall_time_s", "about", ...).
    reps: bootstrap resamples per interval.

  Returns:
    The summary (`examples.supervised_report.summarize`); its tables are printed.
  """
  lower = saved["loss"] == "mse"
  measure = "online squared error" if lower else "online accuracy"
  summary = supervised_report.summarize(grid, measure, lower, saved["window"],
                                        {"lr": saved["untuned_lr"]}, reps)
  text = supervised_report.tables(summary, f"{saved['seeds']} seeds; {saved['wall_time_s']:.0f}"
                                           f" s incl. compilation; `{saved['command']}`")
  write_csv(os.path.join(out, "tasks.csv"), summary["rows"])
  with open(os.path.join(out, "tables.md"), "w") as f:
    f.write(text + "\n")
  write_json(os.path.join(out, "results.json"), {
      **saved, "summary": {k: v for k, v in summary.items() if k != "rows"}})  # rows: the CSV
  supervised_report.plot_curves(os.path.join(out, "curves.png"), summary, saved["about"])
  supervised_report.plot_diagnostics(os.path.join(out, "diagnostics.png"), summary)
  print(text)
  return summary


def redraw(folder: str, reps: int = BOOTSTRAP_REPS) -> dict:
  """Recomputes a run folder's summary, tables and figures from its curves.npz (no training).

  Example:
    >>> from examples import supervised
    >>> summary = supervised.redraw("examples/results/supervised_random_labels")  # doctest: +SKIP
  """
  with open(os.path.join(folder, "results.json")) as f:
    saved = {k: v for k, v in json.load(f).items() if k != "summary"}
  metrics: dict = {}
  with np.load(os.path.join(folder, "curves.npz")) as curves:
    for key in curves.files:
      name, metric = key.split("/", 1)
      metrics.setdefault(name, {})[metric] = curves[key]
  return report(folder, SupervisedGrid(metrics, saved["configs"], saved["devices"]), saved, reps)


if __name__ == "__main__":
  main()
