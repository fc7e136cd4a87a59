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

The run folder (see `examples.run_folder`) says from the start what the run is
doing; the grid is saved after every segment (`--save-every`, default: each
level or game visit), so `--resume FOLDER` continues an interrupted run to the
numbers an uninterrupted one gives. The results: curves.png, diagnostics.png,
segments.png, sweep.png (several learning rates), segments.csv, tables.md,
results.json and curves.npz; the tables are printed.
"""

import argparse
import socket
import sys
import time
from typing import Optional, Sequence

import jax
import numpy as np

from examples import experiment
from examples.cli import Parser, add_run_flags, check_run_flags, command_line, resumed_argv
from examples.grid import CHUNK_SIZE
from examples.methods import METHODS, with_grids
from examples.presets import PRESETS
from examples.scoring import SCORES
from examples.tasks import DEFAULT_GAMES, MINATAR_GAMES, SHIFT_KINDS

SHIFT_DEFAULTS = {"env": "CartPole-v1", "shift": "offset", "shift_scale": 2.0, "levels": 5,
                  "steps_per_level": 20_480}
GAME_DEFAULTS = {"steps_per_game": 250_000, "cycles": 2}
# Flags that change how a run is carried out, not its numbers: the only ones --resume takes.
RESUME_FLAGS = ("devices", "quiet", "distributed", "coordinator", "num_processes", "process_id",
                "coordinator_timeout")

# ---------------------------------------------------------------------------
# Command line


def make_parser() -> Parser:
  parser = Parser(
      prog=experiment.PROG,
      description="Lifelong PPO through observation shifts (--env) or game switches "
      "(--games), Adam vs TRAC(Adam) and the remedies. With no arguments: the demo "
      "(CartPole, 5 levels, 4 seeds; its time is in examples/README.md).")
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
  games.add_argument("--permute-pixels", action="store_true",
                     help="shuffle each game's pixels by a new random permutation at every "
                     "visit (Juliani & Ash 2024's shift; see examples.permuted_games)")
  common = parser.add_argument_group("both")
  common.add_argument("--seeds", type=int, default=4,
                      help="seeds per method and setting (default 4)")
  common.add_argument("--lr", type=float, nargs="+", default=None,
                      help="learning rate(s); several give a sweep (default: the preset's)")
  common.add_argument("--optimizers", nargs="+", default=None, metavar="METHOD",
                      help=f"any of {', '.join(METHODS)} (default: adam trac; with --games "
                      "also reset, the from-scratch oracle of the plasticity-loss test)")
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
  add_run_flags(common, "updates", "at the end of each level or game visit",
                "runs/lifelong-<tasks>-<time>", RESUME_FLAGS, CHUNK_SIZE)
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


def parse_args(argv: Optional[Sequence[str]] = None,
               parser: Optional[Parser] = None) -> argparse.Namespace:
  """The flags, checked (one line and exit status 2 for a bad one); with --resume, the
  flags the run in the folder was started with. Nothing is started or built here."""
  parser = parser or make_parser()
  argv = list(sys.argv[1:] if argv is None else argv)
  args = parser.parse_args(argv)
  command = command_line(experiment.PROG, argv)
  if args.resume is not None:
    folder = args.resume
    argv, now = resumed_argv(parser, args, argv, RESUME_FLAGS)
    args = parser.parse_args(now)
    args.out, args.resume = folder, folder
  games_mode = args.games is not None
  shift_flags = [f"--{k.replace('_', '-')}" for k in SHIFT_DEFAULTS if getattr(args, k) is not None]
  game_flags = [f"--{k.replace('_', '-')}" for k in GAME_DEFAULTS if getattr(args, k) is not None]
  if games_mode and shift_flags:
    parser.error(f"--games cannot be combined with {shift_flags[0]} (that is for observation "
                 "shifts)")
  if not games_mode and game_flags:
    parser.error(f"{game_flags[0]} needs --games")
  if not games_mode and args.permute_pixels:
    parser.error("--permute-pixels needs --games (observation shifts have --shift permute)")
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
  check_run_flags(parser, args)
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
  args.argv, args.command = argv, command
  return args


def connect(parser: Parser, args: argparse.Namespace):
  """With --distributed, joins the other processes (before anything asks JAX for its
  devices); a failure is one line and exit status 2."""
  if not args.distributed:
    return
  timeout = 120 if args.coordinator_timeout is None else args.coordinator_timeout
  try:
    # CPU hosts gather the outputs through gloo (accelerators use their own collectives).
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(args.coordinator, args.num_processes, args.process_id,
                               initialization_timeout=timeout)
  except (ValueError, RuntimeError) as error:
    parser.error(f"--distributed: {str(error).splitlines()[0]}")


def prepare(argv: Optional[Sequence[str]] = None) -> experiment.Experiment:
  """The experiment a command line describes, or one line and exit status 2."""
  parser = make_parser()
  args = parse_args(argv, parser)
  connect(parser, args)
  try:  # unknown env or game, continuous actions, too many devices
    return experiment.build(args)
  except ValueError as error:
    parser.error(str(error))


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


# ---------------------------------------------------------------------------
# Entry point


def main(argv: Optional[Sequence[str]] = None) -> dict:
  """Runs the command line's experiment: {"out", "grid", "summary"}."""
  return experiment.run(prepare(argv))


if __name__ == "__main__":
  main()
