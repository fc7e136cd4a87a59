"""The published Gym-control comparison from nothing: its grids in turn, then the table.

    python -m examples.published --reproduce CartPole-v1 Acrobot-v1 --out runs/published
    python -m examples.published --reproduce MountainCar-v0 --out runs/published-mc --plan

`GRIDS` holds, as plain data, the grids of each environment's table: the flags of
`python -m examples.lifelong`, the name of the run folder it writes under
`--runs` (default `runs/`), and the committed results folder of the same grid.
`plan` reads what each run folder holds already: a finished run is kept and
skipped, an interrupted or failed one is resumed (`--resume`), an absent one
started; the plan is printed with each grid's command and an estimate of the time
left, from the wall times the committed folders record. `run` then trains the
grids one after the other in this process and returns their folders, which
`python -m examples.published` then compares as it compares any. A call that is
stopped leaves its grid resumable, so the same command again picks up where it
stopped.
"""

import argparse
import dataclasses
import os
import shlex
import sys
from typing import Optional, Sequence

from examples import lifelong, run_status
from examples.cli import Parser, check_out_folder, unwritable
from examples.files import read_json

PROG = "python -m examples.published"
LIFELONG = "python -m examples.lifelong"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the repository


@dataclasses.dataclass(frozen=True)
class PlannedGrid:
  """One grid of a published table.

  Attributes:
    env: the environment whose table it belongs to.
    argv: the flags of `python -m examples.lifelong`, all but --out.
    name: its run folder's name under --runs.
    committed: the committed results folder of the same grid, relative to the
      repository root (or absolute); the wall time it records is the estimate.
    took_s: the committed run's wall time where its folder predates recording
      it (read from the run folder it was combined from), else None.
  """

  env: str
  argv: tuple[str, ...]
  name: str
  committed: str
  took_s: Optional[float] = None


_PROTOCOL = ("--preset", "published", "--levels", "10", "--steps-per-level", "160000",
             "--seeds", "8")
_METHODS = ("--optimizers", "adam", "trac", "reset", "l2_init")

# The wall times are those of the committed runs on a 2-core CPU, each overlapping another
# grid for most of it (examples/results/README.md); MountainCar's folder records its own.
GRIDS = (
    PlannedGrid("CartPole-v1", (*_PROTOCOL, "--lr", "1e-3", "--env", "CartPole-v1", *_METHODS,
                                "--grid", "l2_init.strength=1e-3,1e-2"),
                "published-CartPole-v1", "examples/results/published_cartpole", 4004.0),
    # The learning-rate question (lr 1e-2 is the TRAC notebook's).
    PlannedGrid("CartPole-v1", (*_PROTOCOL, "--lr", "1e-4", "1e-2", "--env", "CartPole-v1",
                                "--optimizers", "adam", "trac"),
                "published-CartPole-v1-lr", "examples/results/published_cartpole_lr", 3213.0),
    # Weight clipping (C-CHAIN's fifth column) over kappa 1, 2, 4.
    PlannedGrid("CartPole-v1", (*_PROTOCOL, "--lr", "1e-3", "--optimizers", "weight_clip",
                                "--env", "CartPole-v1"),
                "published-CartPole-v1-weight-clip",
                "examples/results/published_cartpole_weight_clip"),
    PlannedGrid("Acrobot-v1", (*_PROTOCOL, "--lr", "1e-3", "--env", "Acrobot-v1", *_METHODS,
                               "--grid", "l2_init.strength=1e-2"),
                "published-Acrobot-v1", "examples/results/published_acrobot", 3812.0),
    # C-CHAIN's "ls400_on0.02": 5 levels of 400 updates, offsets of std 0.02.
    PlannedGrid("MountainCar-v0", ("--preset", "published", "--env", "MountainCar-v0",
                                   "--levels", "5", "--steps-per-level", "320000",
                                   "--shift-scale", "0.02", "--seeds", "8", "--lr", "1e-3",
                                   *_METHODS, "--grid", "l2_init.strength=1e-3,1e-2"),
                "published-MountainCar-v0", "examples/results/published_mountaincar"),
)


@dataclasses.dataclass(frozen=True)
class Step:
  """What the plan does with one grid.

  Attributes:
    grid: the grid.
    folder: its run folder (`--runs` joined with its name).
    state: "done" (skipped), "resume" or "start".
    detail: what the folder says, for the plan ("3/10 segments done").
    argv: the flags of `python -m examples.lifelong` this step runs.
    estimate_s: the seconds it should take, or None.
    no_estimate: why there is none ("" when there is one).
  """

  grid: PlannedGrid
  folder: str
  state: str
  detail: str
  argv: tuple[str, ...]
  estimate_s: Optional[float]
  no_estimate: str


def envs() -> list[str]:
  """The environments `GRIDS` has tables for, in their order."""
  return list(dict.fromkeys(g.env for g in GRIDS))


# The flags that do not change a grid's numbers: how and where it runs.
_NOT_THE_GRID = ("out", "overwrite", "resume", *lifelong.RESUME_FLAGS)


def _grid_flags(argv: Sequence[str]) -> dict:
  """The flags of a lifelong command that fix its numbers, as parsed.

  Raises:
    ValueError: `argv` does not parse.
  """
  parser = lifelong.make_parser()  # the raw flags: the checks of parse_args look at folders

  def fail(message):
    raise ValueError(message)

  parser.error = fail
  return {k: v for k, v in vars(parser.parse_args(list(argv))).items()
          if k not in _NOT_THE_GRID}


def _run_flags(argv: Sequence[str]) -> list[str]:
  """The flags of `argv` that --resume takes beside it (--quiet, --devices, ...)."""
  parser = lifelong.make_parser()
  args = parser.parse_args(list(argv))
  out = []
  for dest in lifelong.RESUME_FLAGS:
    value = getattr(args, dest)
    if value != parser.get_default(dest):
      flag = "--" + dest.replace("_", "-")
      out += [flag] if value is True else [flag, str(value)]
  return out


def recorded_wall_time(committed: str) -> tuple[Optional[float], str]:
  """The wall time a committed results folder records.

  Args:
    committed: the folder, relative to the repository root or absolute.

  Returns:
    (seconds, "") from its results.json (`wall_time_s` of a run folder, or the
    sum of `run_wall_times_s` of a folder of `examples.combine`), or
    (None, why not).
  """
  path = os.path.join(ROOT, committed, run_status.RESULTS)
  if not os.path.isfile(path):
    return None, f"{committed} is not committed"
  try:
    saved = read_json(path)
  except ValueError as error:
    return None, str(error)
  if isinstance(saved.get("wall_time_s"), (int, float)):
    return float(saved["wall_time_s"]), ""
  walls = saved.get("run_wall_times_s") or []
  if walls and all(isinstance(w, (int, float)) for w in walls):
    return float(sum(walls)), ""
  return None, f"{committed} records no wall time"


def _held(folder: str) -> tuple[Optional[str], Optional[list], dict, str]:
  """(state, the lifelong flags it was run with, its progress, its command) of what
  `folder` holds; (None, None, {}, "") when it holds no run. The flags are None when the
  run is not one of `python -m examples.lifelong`.

  Raises:
    ValueError: its status.json or results.json cannot be read.
  """
  status = run_status.read_status(folder)
  results = os.path.join(folder, run_status.RESULTS)
  if status is not None:
    state, argv, progress = status.get("state"), status.get("argv"), status.get("progress")
    command = str(status.get("command", ""))
  elif os.path.isfile(results):  # results without a status: a copied finished run
    command = str(read_json(results).get("command", ""))
    state, argv, progress = "done", shlex.split(command)[3:], None
  else:
    return None, None, {}, ""
  if command.split()[:3] != LIFELONG.split():
    argv = None
  return state, argv, progress or {}, command


def plan(chosen: Sequence[str], runs: str) -> list[Step]:
  """What a reproduction of the tables of `chosen` does, grid by grid.

  Args:
    chosen: environments, among `envs()`.
    runs: the folder the run folders go in.

  Returns:
    One `Step` per grid of `GRIDS` whose environment is chosen, in `GRIDS`'s order.

  Raises:
    ValueError: a run folder holds a run of another command, or one that says
      it is done without its results.
  """
  steps = []
  for grid in GRIDS:
    if grid.env not in chosen:
      continue
    folder = os.path.join(runs, grid.name)
    state, argv, progress, command = _held(folder)
    wall, why = recorded_wall_time(grid.committed)
    if wall is None and grid.took_s is not None:
      wall, why = grid.took_s, ""
    if state is None:
      steps.append(Step(grid, folder, "start", "to start", (*grid.argv, "--out", folder),
                        wall, why))
      continue
    try:
      same = argv is not None and _grid_flags(argv) == _grid_flags(grid.argv)
    except ValueError:
      same = False
    if not same:
      raise ValueError(f"{folder} holds a run of `{command or 'another command'}`, not of "
                       f"this grid (`{LIFELONG} {shlex.join(grid.argv)}`); give another "
                       "--runs or move it away")
    if state == "done":
      if not os.path.isfile(os.path.join(folder, run_status.RESULTS)):
        raise ValueError(f"{folder} says its run is done but has no results.json; "
                         "give another --runs or move it away")
      steps.append(Step(grid, folder, "done", "done, kept", (*grid.argv, "--out", folder),
                        0.0, ""))
      continue
    done, total = progress.get("segments_done") or 0, progress.get("segments")
    detail = f"to resume ({state}" + (f", {done}/{total} segments done" if total else "") + ")"
    if state == "running":
      detail += (": it stopped without saying so, or another process still runs it (stop "
                 "that one first)")
    left = wall * (1 - done / total) if wall is not None and total else wall
    steps.append(Step(grid, folder, "resume", detail,
                      ("--resume", folder, *_run_flags(grid.argv)), left, why))
  return steps


def duration(seconds: float) -> str:
  """`seconds` as a person reads it: "45 s", "12 min", "2 h 05 min"."""
  if seconds < 60:
    return f"{seconds:.0f} s"
  minutes = round(seconds / 60)
  return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def comparison_argv(steps: Sequence[Step], out: str, overwrite: bool) -> list[str]:
  """The flags of `python -m examples.published` that compare the steps' run folders."""
  return [*(s.folder for s in steps), "--out", out, *(["--overwrite"] if overwrite else [])]


def describe(steps: Sequence[Step], out: str, overwrite: bool) -> str:
  """The plan as printed: each grid's command and state, then the estimate."""
  lines = [f"{PROG} --reproduce: {len(steps)} grid{'s' * (len(steps) != 1)}, one after "
           f"the other in this process, then the comparison in {out}:"]
  for i, step in enumerate(steps, 1):
    took = (f"; the committed run took {duration(step.estimate_s)}" if step.state == "start"
            and step.estimate_s is not None else
            f"; about {duration(step.estimate_s)} left" if step.state == "resume"
            and step.estimate_s is not None else "")
    lines += [f"  {i}. {step.grid.env}, {step.folder}: {step.detail}{took}",
              f"     {LIFELONG} {shlex.join(step.argv)}"]
  lines.append(f"  then: {PROG} {shlex.join(comparison_argv(steps, out, overwrite))}")
  todo = [s for s in steps if s.state != "done"]
  known = sum(s.estimate_s for s in todo if s.estimate_s is not None)
  unknown = [s for s in todo if s.estimate_s is None]
  if not todo:
    lines.append("Estimate: every grid is done; only the comparison is left (about a minute).")
  else:
    missing = "; ".join(f"no estimate for {s.folder} ({s.no_estimate})" for s in unknown)
    if len(unknown) == len(todo):
      lines.append(f"Estimate: none; {missing}.")
    else:
      said = f"about {duration(known)}" if not unknown else f"at least {duration(known)}"
      lines.append(f"Estimate: {said} of training, from the wall times the committed folders "
                   "record (on their machine; a CPU shared with other work takes longer)"
                   + (f"; {missing}" if missing else "") + ".")
  return "\n".join(lines)


def run(steps: Sequence[Step]) -> list[str]:
  """Trains the steps' grids that are not done, one after the other.

  Args:
    steps: the plan (`plan`).

  Returns:
    The run folders of every step, in order, each holding a finished run.
  """
  for i, step in enumerate(steps, 1):
    if step.state == "done":
      continue
    print(f"\n{PROG} --reproduce: grid {i} of {len(steps)}: {LIFELONG} "
          f"{shlex.join(step.argv)}", file=sys.stderr, flush=True)
    try:
      lifelong.main(list(step.argv))
    except BaseException:
      print(f"{PROG} --reproduce: stopped in grid {i} of {len(steps)} ({step.folder}); the "
            "same command again resumes it and keeps the grids done", file=sys.stderr)
      raise
  return [step.folder for step in steps]


def add_flags(parser: Parser):
  """Adds --reproduce, --runs and --plan to `python -m examples.published`'s parser."""
  group = parser.add_argument_group("reproducing the table from nothing")
  group.add_argument("--reproduce", nargs="+", metavar="ENV",
                     help=f"train the grids of these environments' tables ({', '.join(envs())}) "
                     "one after the other, keeping the finished run folders and resuming an "
                     "interrupted one, then write the comparison to --out")
  group.add_argument("--runs", metavar="DIR", help="with --reproduce: the folder the run "
                     "folders go in (default runs/)")
  group.add_argument("--plan", action="store_true", help="with --reproduce: print the plan "
                     "and its estimate, and stop")


def requested(parser: Parser, args: argparse.Namespace) -> bool:
  """Whether the command asks for --reproduce; one line and exit status 2 for flags that
  need it without it, or for neither run folders nor --reproduce."""
  if args.reproduce is not None:
    if args.folders:
      parser.error(f"--reproduce trains its own run folders; give no folders beside it "
                   f"(got {args.folders[0]})")
    return True
  for flag in ("runs", "plan"):
    if getattr(args, flag) not in (None, False):
      parser.error(f"--{flag} needs --reproduce ENV")
  if not args.folders:
    parser.error("give run folders, or --reproduce ENV [ENV ...] to train them")
  return False


def main(parser: Parser, args: argparse.Namespace) -> Optional[list[str]]:
  """Checks a --reproduce command, prints its plan and trains its grids.

  Args:
    parser: `python -m examples.published`'s parser, for its one-line errors.
    args: its parsed flags, with --reproduce.

  Returns:
    The run folders to compare, each holding a finished run; None with --plan.
  """
  known = envs()
  for env in args.reproduce:
    if env not in known:
      parser.error(f"--reproduce: unknown environment {env!r}; choose from "
                   f"{', '.join(known)}")
  twice = [env for i, env in enumerate(args.reproduce) if env in args.reproduce[:i]]
  if twice:
    parser.error(f"--reproduce lists {twice[0]} twice")
  runs = "runs" if args.runs is None else args.runs
  problem = unwritable(runs)
  if problem:
    parser.error(f"--runs {runs}: {problem}")
  check_out_folder(parser, args.out, args.overwrite)
  folders = [os.path.join(runs, g.name) for g in GRIDS if g.env in args.reproduce]
  target = os.path.abspath(args.out)
  for folder in folders:
    if target == os.path.abspath(folder) or target.startswith(os.path.abspath(folder) + os.sep):
      parser.error(f"--out {args.out} is the run folder of a grid ({folder}); give another")
  try:
    steps = plan(args.reproduce, runs)
  except ValueError as error:
    parser.error(str(error))
  for step in steps:  # every grid's flags, checked before the first one trains
    if step.state != "done":
      lifelong.parse_args(list(step.argv))
  print(describe(steps, args.out, args.overwrite), flush=True)
  if args.plan:
    return None
  return run(steps)
