"""Lifelong PPO on gymnax: observation shifts or game switches, Adam vs TRAC(Adam) and remedies.

    python -m examples.lifelong                    # the demo that `make demo` runs
    python -m examples.lifelong --env Acrobot-v1 --levels 10 --seeds 8
    python -m examples.lifelong --lr 1e-4 1e-3 1e-2 1e-1 --levels 5 --seeds 4
    python -m examples.lifelong --games Breakout-MinAtar SpaceInvaders-MinAtar \\
        Asterix-MinAtar Freeway-MinAtar --steps-per-game 250000 --cycles 2
    python -m examples.lifelong --help

A run trains every (method, setting, seed) of the grid in one jitted call (see
`examples.grid`): the runs of each method are vmapped, the methods traced side
by side, and with several devices the runs are split over them. Seed i sees the
same tasks, initial network and environment randomness under every method and
setting, so the comparisons are paired.

The run folder gets curves.png (return, or normalised return on game sequences,
vs env steps, task changes marked), diagnostics.png (dormant units, parameter
norm, distance from the initial parameters, policy entropy, TRAC's scale),
sweep.png when several learning rates were given, segments.csv, results.json and
curves.npz; the tables are printed.
"""

import argparse
import dataclasses
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from typing import Optional, Sequence

import jax
import numpy as np
import optax

from examples import report
from examples.grid import Grid, device_mesh, run_grid
from examples.methods import METHODS
from examples.ppo import steps_to_updates
from examples.presets import PRESETS
from examples.stats import SCORES
from examples.tasks import DEFAULT_GAMES, MINATAR_GAMES, SHIFT_KINDS, Schedule

# examples.games and examples.shifts import gymnax, which starts JAX's backend: they are
# imported in `build`, after `--distributed` has had its chance to initialise first.

SHIFT_DEFAULTS = {"env": "CartPole-v1", "shift": "offset", "shift_scale": 2.0, "levels": 5,
                  "steps_per_level": 20_480}
GAME_DEFAULTS = {"steps_per_game": 250_000, "cycles": 2}

# ---------------------------------------------------------------------------
# Command line


class _Parser(argparse.ArgumentParser):
  """Reports a bad argument as one line on stderr, with exit status 2."""

  def __init__(self, *args, **kwargs):
    super().__init__(*args, **kwargs)
    # argparse reads "-1e-3" as an option unless it looks like a negative number; with this
    # pattern it is a value, so `--lr -1e-3` reaches the check that says why it is wrong.
    self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

  def error(self, message):
    self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> _Parser:
  parser = _Parser(
      prog="python -m examples.lifelong",
      description="Lifelong PPO through observation shifts (--env) or game switches "
      "(--games), Adam vs TRAC(Adam) and the remedies. With no arguments: the demo "
      "(CartPole, 5 levels, 4 seeds, about a minute and a half on 2 cores).")
  shifts = parser.add_argument_group("observation shifts (the default)")
  shifts.add_argument("--env", help="gymnax environment with discrete actions "
                      f"(default {SHIFT_DEFAULTS['env']}; also e.g. Acrobot-v1)")
  shifts.add_argument("--shift", help=f"shift kind: {', '.join(SHIFT_KINDS)} "
                      f"(default {SHIFT_DEFAULTS['shift']})")
  shifts.add_argument("--shift-scale", type=float,
                      help="std of the per-level observation offset, shift 'offset' "
                      f"(default {SHIFT_DEFAULTS['shift_scale']:g})")
  shifts.add_argument("--levels", type=int, help="number of levels L; level 0 is the plain "
                      f"environment (default {SHIFT_DEFAULTS['levels']})")
  shifts.add_argument("--steps-per-level", type=int,
                      help="environment steps per level and run, rounded to whole updates "
                      f"(default {SHIFT_DEFAULTS['steps_per_level']})")
  games = parser.add_argument_group("game switches")
  games.add_argument("--games", nargs="+", metavar="GAME",
                     help=f"MinAtar games in the order met, e.g. {' '.join(DEFAULT_GAMES)} "
                     f"(any of {', '.join(MINATAR_GAMES)})")
  games.add_argument("--steps-per-game", type=int,
                     help="environment steps per game visit and run, rounded to whole updates "
                     f"(default {GAME_DEFAULTS['steps_per_game']})")
  games.add_argument("--cycles", type=int, help="times the sequence is repeated "
                     f"(default {GAME_DEFAULTS['cycles']})")
  common = parser.add_argument_group("both")
  common.add_argument("--seeds", type=int, default=4,
                      help="seeds per method and setting (default 4)")
  common.add_argument("--lr", type=float, nargs="+", default=None,
                      help="learning rate(s); several give a sweep (default: the preset's)")
  common.add_argument("--optimizers", nargs="+", default=None, metavar="METHOD",
                      help=f"any of {', '.join(METHODS)} (default: adam trac; with --games "
                      "also reset, the yardstick of normalised returns)")
  common.add_argument("--grid", nargs="+", default=[], metavar="METHOD.NAME=V,V",
                      help="replace a method's grid of values beyond the lr, e.g. "
                      "l2_init.strength=1e-3,1e-2")
  common.add_argument("--preset", default=None,
                      help=f"PPO and network settings: {', '.join(PRESETS)} (default: paper; "
                      "with --games: minatar)")
  common.add_argument("--seed", type=int, default=0, help="base random seed (default 0)")
  common.add_argument("--score", choices=SCORES, default="updates",
                      help="how a segment's return averages its episodes: over updates (the "
                      "published score, default) or over episodes")
  common.add_argument("--progress-every", type=int, default=20,
                      help="print progress every this many updates, 0: off (default 20)")
  common.add_argument("--devices", type=int, default=None,
                      help="split the grid over this many devices (default: all JAX sees)")
  common.add_argument("--out", default=None,
                      help="output folder (default: runs/lifelong-<tasks>-<time>)")
  hosts = parser.add_argument_group("several hosts (run the same command on each)")
  hosts.add_argument("--distributed", action="store_true",
                     help="call jax.distributed.initialize() first: the grid is split over "
                     "every host's devices and process 0 writes the outputs (on SLURM, Open "
                     "MPI or Cloud TPU the three flags below are found automatically)")
  hosts.add_argument("--coordinator", metavar="HOST:PORT",
                     help="address of process 0's coordinator (with --distributed)")
  hosts.add_argument("--num-processes", type=int, help="number of processes (hosts)")
  hosts.add_argument("--process-id", type=int, help="this process's index, 0..N-1")
  hosts.add_argument("--coordinator-timeout", type=int, default=None, metavar="SECONDS",
                     help="give up when the processes have not all met within this many "
                     "seconds (with --distributed; default 120)")
  return parser


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
  parser = _parser()
  args = parser.parse_args(argv)
  games_mode = args.games is not None
  shift_flags = [f"--{k.replace('_', '-')}" for k in SHIFT_DEFAULTS if getattr(args, k) is not None]
  game_flags = [f"--{k.replace('_', '-')}" for k in GAME_DEFAULTS if getattr(args, k) is not None]
  if games_mode and shift_flags:
    parser.error(f"--games cannot be combined with {shift_flags[0]} (that is for observation "
                 "shifts)")
  if not games_mode and game_flags:
    parser.error(f"{game_flags[0]} needs --games")
  for key, value in (GAME_DEFAULTS if games_mode else SHIFT_DEFAULTS).items():
    if getattr(args, key) is None:
      setattr(args, key, value)
  args.mode = "games" if games_mode else "shifts"
  if args.preset is None:
    args.preset = "minatar" if games_mode else "paper"
  if args.optimizers is None:
    args.optimizers = ["adam", "trac", "reset"] if games_mode else ["adam", "trac"]

  if args.preset not in PRESETS:
    parser.error(f"unknown preset {args.preset!r}; choose from {', '.join(PRESETS)}")
  if not games_mode and PRESETS[args.preset].network.kind == "cnn":
    parser.error(f"preset {args.preset!r} has a convolutional network, for the image "
                 "observations of --games; observation shifts have vector observations")
  unknown = [name for name in args.optimizers if name not in METHODS]
  if unknown:
    parser.error(f"unknown optimizer {unknown[0]!r}; choose from {', '.join(METHODS)}")
  if len(set(args.optimizers)) != len(args.optimizers):
    parser.error(f"--optimizers lists a method twice: {' '.join(args.optimizers)}")
  try:
    args.methods = with_grids([METHODS[name] for name in args.optimizers], args.grid)
  except ValueError as error:
    parser.error(str(error))
  if args.seeds < 1:
    parser.error(f"--seeds must be >= 1, got {args.seeds}")
  if args.lr is not None and not all(np.isfinite(lr) and lr > 0 for lr in args.lr):
    parser.error(f"--lr must be > 0, got {' '.join(map(str, args.lr))}")
  if args.lr is not None and len(set(args.lr)) != len(args.lr):
    parser.error(f"--lr lists a learning rate twice: {' '.join(map(str, args.lr))}")
  if args.progress_every < 0:
    parser.error(f"--progress-every must be >= 0, got {args.progress_every}")
  steps_per_update = PRESETS[args.preset].ppo.steps_per_update
  if games_mode:
    if args.cycles < 1:
      parser.error(f"--cycles must be >= 1, got {args.cycles}")
    if args.steps_per_game < steps_per_update:
      parser.error(f"--steps-per-game must be >= one update ({steps_per_update} env steps "
                   f"with preset {args.preset!r}), got {args.steps_per_game}")
  else:
    if args.levels < 1:
      parser.error(f"--levels must be >= 1, got {args.levels}")
    if args.shift not in SHIFT_KINDS:
      parser.error(f"unknown shift {args.shift!r}; choose from {', '.join(SHIFT_KINDS)}")
    if args.shift != "offset" and "--shift-scale" in shift_flags:
      parser.error(f"--shift-scale applies to shift 'offset' only, not {args.shift!r}")
    if not (np.isfinite(args.shift_scale) and args.shift_scale >= 0):
      parser.error(f"--shift-scale must be >= 0, got {args.shift_scale}")
    if args.steps_per_level < steps_per_update:
      parser.error(f"--steps-per-level must be >= one update ({steps_per_update} env steps "
                   f"with preset {args.preset!r}), got {args.steps_per_level}")
  if args.out is not None:
    problem = _unwritable(args.out)
    if problem:
      parser.error(f"--out {args.out}: {problem}")
  host_flags = [f for f in ("coordinator", "num_processes", "process_id", "coordinator_timeout")
                if getattr(args, f) is not None]
  if host_flags and not args.distributed:
    parser.error(f"--{host_flags[0].replace('_', '-')} needs --distributed")
  if args.distributed:
    timeout = 120 if args.coordinator_timeout is None else args.coordinator_timeout
    if timeout < 1:
      parser.error(f"--coordinator-timeout must be >= 1, got {timeout}")
    if args.coordinator and args.process_id:  # process 0 is the coordinator itself
      # jax aborts the whole process when it cannot reach the coordinator: look first.
      problem = _unreachable(args.coordinator, timeout)
      if problem:
        parser.error(f"--distributed: no coordinator at {args.coordinator} within "
                     f"{timeout} s ({problem})")
    try:  # before anything asks JAX for its devices
      # CPU hosts gather the outputs through gloo (accelerators use their own collectives).
      jax.config.update("jax_cpu_collectives_implementation", "gloo")
      jax.distributed.initialize(args.coordinator, args.num_processes, args.process_id,
                                 initialization_timeout=timeout)
    except (ValueError, RuntimeError) as error:
      parser.error(f"--distributed: {str(error).splitlines()[0]}")
  try:  # unknown env or game, continuous actions, too many devices
    args.tasks, args.schedule = build(args)
    args.mesh = device_mesh(args.devices)
  except ValueError as error:
    parser.error(str(error))
  return args


def _unwritable(folder: str) -> Optional[str]:
  """Why `folder` cannot be a run folder (it is a file, lies under one, or may not be
  written), or None when it can."""
  if os.path.exists(folder) and not os.path.isdir(folder):
    return "is a file, not a folder"
  parent = folder
  while not os.path.exists(parent):
    parent = os.path.dirname(os.path.abspath(parent))
  if not os.path.isdir(parent):
    return f"{parent} is a file, not a folder"
  try:  # a probe, removed at once: the run folder is made only when there is a run to save
    os.rmdir(tempfile.mkdtemp(dir=parent))
  except OSError as error:
    return f"cannot write in {parent} ({error.strerror})"
  return None


def _unreachable(address: str, timeout: float) -> Optional[str]:
  """Why nothing answers at HOST:PORT within `timeout` seconds (None once it answers)."""
  host, _, port = address.rpartition(":")
  if not host or not port.isdigit():
    return "expected HOST:PORT"
  deadline, reason = time.monotonic() + timeout, "no answer"
  while time.monotonic() < deadline:
    try:
      left = max(0.1, deadline - time.monotonic())
      socket.create_connection((host, int(port)), timeout=left).close()
      return None
    except OSError as error:
      reason = error.strerror or type(error).__name__
      time.sleep(0.5)
  return reason


def with_grids(methods: Sequence, overrides: Sequence[str]) -> list:
  """The methods with the grids that `--grid METHOD.NAME=V,V` options give them."""
  methods = {m.name: m for m in methods}
  for text in overrides:
    key, _, values = text.partition("=")
    method, _, name = key.partition(".")
    if method not in methods:
      raise ValueError(f"--grid {text}: {method!r} is not among --optimizers")
    grid = dict(methods[method].grid)
    if name not in grid:
      raise ValueError(f"--grid {text}: {method} has no hyperparameter {name!r} "
                       f"(it has: {', '.join(grid) or 'none'})")
    try:
      parsed = tuple(float(v) for v in values.split(","))
    except ValueError:
      parsed = ()
    if not parsed or not all(np.isfinite(v) for v in parsed) or len(set(parsed)) < len(parsed):
      raise ValueError(f"--grid {text}: expected distinct numbers after '=', e.g. "
                       f"{method}.{name}=1e-3,1e-2")
    grid[name] = parsed
    methods[method] = dataclasses.replace(methods[method], grid=tuple(grid.items()))
  return list(methods.values())


def build(args: argparse.Namespace):
  """The task set and schedule the arguments describe."""
  from examples.games import game_tasks
  from examples.shifts import shift_tasks

  preset = PRESETS[args.preset]
  if args.mode == "games":
    tasks = game_tasks(args.games)
    updates = steps_to_updates(args.steps_per_game, preset.ppo)
    return tasks, Schedule.cycles(tasks.num_tasks, updates, args.cycles)
  tasks = shift_tasks(args.env, args.shift, args.levels, args.shift_scale, preset.time_limit)
  return tasks, Schedule.levels(args.levels, steps_to_updates(args.steps_per_level, preset.ppo))


# ---------------------------------------------------------------------------
# Entry point


def main(argv: Optional[Sequence[str]] = None) -> dict:
  args = parse_args(argv)
  preset = PRESETS[args.preset]
  tasks, schedule = args.tasks, args.schedule
  config = dataclasses.replace(preset.ppo, progress_every=args.progress_every)
  lrs = args.lr if args.lr is not None else [preset.lr]
  methods = args.methods
  slug = "games" if args.mode == "games" else args.env
  out = args.out or os.path.join("runs", f"lifelong-{slug}-{time.strftime('%Y%m%d-%H%M%S')}")
  writer = jax.process_index() == 0
  if writer:
    os.makedirs(out, exist_ok=True)
  command = "python -m examples.lifelong" + "".join(
      " " + shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))

  code = code_version()  # the code that trains, before anyone edits the checkout
  runs = sum(len(m.configs(lrs)) for m in methods) * args.seeds
  num_devices = 1 if args.mesh is None else args.mesh.size
  steps = schedule.updates_per_task * config.steps_per_update
  print(f"{tasks.name}: {len(schedule.order)} segments x {schedule.updates_per_task} updates "
        f"({steps} env steps) each, preset {args.preset!r} ({preset.network.describe()}); "
        f"{runs} runs ({', '.join(args.optimizers)} x {args.seeds} seeds x lr "
        f"{', '.join(f'{lr:g}' for lr in lrs)}) in one jitted call on {num_devices} "
        f"device{'s' if num_devices > 1 else ''} ({jax.default_backend()})", file=sys.stderr)
  start = time.perf_counter()
  grid = run_grid(tasks, schedule, config, preset.network.build(tasks.num_actions), methods,
                  lrs, args.seeds, args.seed, progress=args.progress_every > 0, mesh=args.mesh)
  wall = time.perf_counter() - start
  if num_devices > 1:
    print("runs per device: " + "; ".join(f"{name} {'+'.join(map(str, split))}"
                                          for name, split in grid.layout.items()),
          file=sys.stderr)
  summary = report.add_tuning_cost(report.summarize(grid, tasks.task_names, tasks.name,
                                                   schedule, args.score))
  if writer:
    save(out, grid, summary, schedule, config.steps_per_update, {
        "command": command,
        "mode": args.mode,
        "tasks": tasks.name,
        "env": None if args.mode == "games" else args.env,
        "task_names": list(tasks.task_names),
        "preset": args.preset,
        "ppo": dataclasses.asdict(config),
        "network": dataclasses.asdict(preset.network),
        "schedule": {"order": list(schedule.order), "updates_per_task": schedule.updates_per_task},
        "env_steps_per_segment": steps,
        "env_steps_per_run": schedule.num_updates * config.steps_per_update,
        "shift": None if args.mode == "games" else {"kind": args.shift,
                                                     "scale": args.shift_scale},
        "methods": args.optimizers,
        "lrs": [float(lr) for lr in lrs],
        "seeds": args.seeds,
        "seed": args.seed,
        "runs": runs,
        "devices": num_devices,
        "layout": grid.layout,
        "backend": jax.default_backend(),
        "wall_time_s": round(wall, 1),
        "code": code,
    })
    print_tables(summary, args.seeds, wall, command)
    print(f"\nWrote {out}/: curves.png, diagnostics.png, segments.png"
          f"{', sweep.png' if len(lrs) > 1 else ''}, tables.md, segments.csv, results.json, "
          "curves.npz")
  return {"out": out, "grid": grid, "summary": summary}


def print_tables(summary: dict, seeds: int, wall: Optional[float], command: str):
  timing = "" if wall is None else f"; {wall:.0f}s incl. compilation"
  print(report.tables(summary, f"{seeds} seeds{timing}; {command}"))


def save(out: str, grid: Grid, summary: dict, schedule: Schedule, steps_per_update: int,
         about: dict):
  report.write_csv(os.path.join(out, "segments.csv"), summary["rows"])
  with open(os.path.join(out, "tables.md"), "w") as f:
    f.write(report.tables(summary, f"{about['seeds']} seeds; `{about['command']}`",
                          markdown=True) + "\n")
  report.write_json(os.path.join(out, "results.json"), {**about, "configs": grid.configs,
                                                        "summary": summary})
  np.savez_compressed(os.path.join(out, "curves.npz"), **{
      f"{name}/{key}": value for name, m in grid.metrics.items() for key, value in m.items()})
  draw(out, grid, summary, schedule, steps_per_update)


def draw(out: str, grid: Grid, summary: dict, schedule: Schedule, steps_per_update: int):
  report.plot_curves(os.path.join(out, "curves.png"), grid, summary, schedule, steps_per_update)
  report.plot_diagnostics(os.path.join(out, "diagnostics.png"), grid, summary, schedule,
                          steps_per_update)
  report.plot_segments(os.path.join(out, "segments.png"), summary)
  if any(len({c["lr"] for c in m["settings"]}) > 1 for m in summary["methods"].values()):
    report.plot_sweep(os.path.join(out, "sweep.png"), summary)


def load(folder: str) -> tuple[Grid, dict, Schedule, int]:
  """A run folder's grid, saved JSON, schedule and env steps per update."""
  with open(os.path.join(folder, "results.json")) as f:
    saved = json.load(f)
  curves = np.load(os.path.join(folder, "curves.npz"))
  metrics: dict = {}
  for key in curves.files:
    name, metric = key.split("/", 1)
    metrics.setdefault(name, {})[metric] = curves[key]
  grid = Grid(metrics, saved["configs"], saved["devices"],
              {name: int(np.prod(m["return"].shape[:2])) for name, m in metrics.items()})
  schedule = Schedule(tuple(saved["schedule"]["order"]), saved["schedule"]["updates_per_task"])
  steps_per_update = saved["ppo"]["num_envs"] * saved["ppo"]["num_steps"]
  return grid, saved, schedule, steps_per_update


def redraw(folder: str):
  """Redraws a run folder's figures from its saved curves (no training)."""
  grid, saved, schedule, steps_per_update = load(folder)
  draw(folder, grid, saved["summary"], schedule, steps_per_update)


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


if __name__ == "__main__":
  main()
