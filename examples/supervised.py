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

The run folder (`examples.run_folder`) says from the start what the run is
doing, and the grid is saved every `--save-every` tasks, so `--resume FOLDER`
continues an interrupted run to the numbers an uninterrupted one gives. The
results: results.json (config, command, code version, the summary, every
seed's whole-run score), tasks.csv (every setting's measure per task and over
the whole run, with intervals), tables.md, curves.npz (every per-task metric of
every run), curves.png (the measure per task, each method at its best setting
and TRAC at its untuned learning rate) and diagnostics.png (dormant units,
|theta|, |theta - theta_0|, TRAC's S).
"""

import argparse
import os
import sys
import time
from typing import Optional, Sequence

import jax
import numpy as np

from examples import run_status, supervised_results, supervised_tasks
from examples.cli import Parser, add_run_flags, check_run_flags, command_line, resumed_argv
from examples.grid import CHUNK_SIZE, select_devices
from examples.methods import METHODS, with_grids
from examples.stats import BOOTSTRAP_REPS
from examples.supervised_train import MLP, run_grid

PROG = "python -m examples.supervised"
RESUME_FLAGS = ("devices", "quiet")
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


def _parser() -> Parser:
  p = Parser(prog=PROG,
              description="Continual supervised learning through many tasks: slowly-changing "
              "regression, permuted-input or random-label MNIST-1D. With no arguments: the "
              "regression demo (about 40 s on 2 cores, compilation included).")
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
  add_run_flags(p, "tasks", "about ten times a run", "runs/supervised-<benchmark>-<time>",
                RESUME_FLAGS, CHUNK_SIZE)
  return p


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
  """The flags, checked, and what they describe (the benchmark, the methods, the devices);
  a bad flag is one line and exit status 2. With --resume, the run's own flags."""
  parser = _parser()
  argv = list(sys.argv[1:] if argv is None else argv)
  args = parser.parse_args(argv)
  command = command_line(PROG, argv)
  if args.resume is not None:
    folder = args.resume
    argv, now = resumed_argv(parser, args, argv, RESUME_FLAGS)
    args = parser.parse_args(now)
    args.out, args.resume = folder, folder
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
  check_run_flags(parser, args)
  if args.save_every is None:
    args.save_every = max(1, args.tasks // 10)
  try:  # bad --grid, a batch size that does not divide, too many devices
    args.methods = with_grids([METHODS[name] for name in args.optimizers], args.grid)
    args.bench = build(args)
    args.devices = select_devices(args.devices)
  except ValueError as error:
    parser.error(str(error))
  args.argv, args.command = argv, command
  return args


def build(args: argparse.Namespace) -> supervised_tasks.Benchmark:
  """The benchmark the arguments describe."""
  if args.benchmark == "regression":
    return supervised_tasks.regression(args.tasks, args.examples_per_task, args.batch_size)
  if args.benchmark == "permuted":
    return supervised_tasks.permuted(args.tasks, args.epochs, args.batch_size)
  return supervised_tasks.random_labels(args.tasks, args.subset, args.epochs, args.batch_size)


def main(argv: Optional[Sequence[str]] = None) -> dict:
  """Runs the command line's grid and writes its run folder: {"out", "grid", "summary"}."""
  args = parse_args(argv)
  bench, methods, lrs = args.bench, args.methods, args.lr
  out = args.out or os.path.join("runs", f"supervised-{args.benchmark}-"
                                         f"{time.strftime('%Y%m%d-%H%M%S')}")
  code = run_status.code_version()  # before anyone edits the checkout
  network = MLP(tuple(args.hidden), bench.num_outputs)
  runs = sum(len(m.configs(lrs)) for m in methods) * args.seeds
  devices = len(args.devices)
  resume = args.resume is not None and run_status.has_checkpoint(out)
  print(f"{bench.about}; {bench.num_tasks} tasks x {bench.steps_per_task} steps; MLP "
        f"{'x'.join(map(str, args.hidden))} ReLU; {runs} runs ({', '.join(args.optimizers)} x "
        f"{args.seeds} seeds x lr {', '.join(f'{lr:g}' for lr in lrs)}) in chunks of "
        f"{args.chunk_size} on {devices} device{'s' if devices > 1 else ''} "
        f"({jax.default_backend()}){'; resuming' if resume else ''}", file=sys.stderr)
  if args.overwrite and args.resume is None:
    run_status.set_aside(out)
  start = time.perf_counter()
  summary = None
  # The summary runs inside `recording` too: a failure there leaves the run marked failed.
  with run_status.recording(out, PROG, args.argv, args.command, code, args.benchmark,
                            args.quiet) as on_segment:
    grid = run_grid(bench, network, methods, lrs, args.seeds, args.seed,
                    chunk_size=args.chunk_size, segment_steps=args.save_every,
                    devices=args.devices, resume=resume, on_segment=on_segment,
                    checkpoints=os.path.join(out, run_status.CHECKPOINTS))
    wall = time.perf_counter() - start
    saved = {
        "command": args.command, "benchmark": args.benchmark, "about": bench.about,
        "loss": bench.loss, "num_tasks": bench.num_tasks, "steps_per_task": bench.steps_per_task,
        "batch_size": bench.batch_size, "examples_per_task": bench.examples_per_task,
        "epochs": getattr(args, "epochs", None), "subset": getattr(args, "subset", None),
        "hidden": args.hidden, "methods": args.optimizers, "lrs": lrs, "seeds": args.seeds,
        "seed": args.seed, "runs": runs, "devices": devices, "chunk_size": args.chunk_size,
        "backend": jax.default_backend(), "untuned_lr": UNTUNED_LR, "window": args.window,
        "wall_time_s": round(wall, 1), "code": code, "configs": grid.configs}
    if jax.process_index() == 0:
      summary, text = supervised_results.save_supervised(out, grid, saved, args.bootstrap_reps)
      run_status.finish(out, "done")
  if jax.process_index() == 0:
    print(text)
    print(f"\nWrote {out}/: {', '.join(sorted(os.listdir(out)))}")
  return {"out": out, "grid": grid, "summary": summary}


if __name__ == "__main__":
  main()
