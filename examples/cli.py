"""What the example CLIs share: one-line errors, the command line as typed, folder checks.

Every CLI here reports a bad flag as one line on stderr with exit status 2
(`Parser`), checks before any work starts that what its end needs is installed
(`check_dependencies`) and that its output folder can be written and holds no run
it would overwrite (`unwritable`, `refuse_occupied`), and records the command it
was given (`command_line`).
"""

import argparse
import importlib.util
import os
import re
import shlex
import sys
import tempfile
from typing import Optional, Sequence


class Parser(argparse.ArgumentParser):
  """An argparse parser that reports a bad argument as one line on stderr, exit status 2."""

  def __init__(self, *args, **kwargs):
    super().__init__(*args, **kwargs)
    # argparse reads "-1e-3" as an option unless it looks like a negative number; with this
    # pattern it is a value, so `--lr -1e-3` reaches the check that says why it is wrong.
    self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

  def error(self, message):
    self.exit(2, f"{self.prog}: error: {message}\n")


def command_line(prog: str, argv: Optional[Sequence[str]]) -> str:
  """The command as a user would type it again (`argv` None: this process's own)."""
  return prog + "".join(" " + shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))


def unwritable(folder: str) -> Optional[str]:
  """Why `folder` cannot be an output folder (it is a file, lies under one, or may not be
  written), or None when it can. Nothing is left behind."""
  if os.path.exists(folder) and not os.path.isdir(folder):
    return "is a file, not a folder"
  parent = folder
  while not os.path.exists(parent):
    parent = os.path.dirname(os.path.abspath(parent))
  if not os.path.isdir(parent):
    return f"{parent} is a file, not a folder"
  try:  # a probe, removed at once
    os.rmdir(tempfile.mkdtemp(dir=parent))
  except OSError as error:
    return f"cannot write in {parent} ({error.strerror})"
  return None


# What a run needs to finish beyond what it imports to start: (module, what for).
NEEDED = (("rliable", "the summary's intervals"), ("scipy", "the summary's intervals"),
          ("matplotlib", "the figures"), ("orbax.checkpoint", "the checkpoints"))


def check_dependencies(parser: argparse.ArgumentParser, needed=NEEDED):
  """One line and exit status 2, before any work, when a package a run needs at its end
  (the summary, the figures, the checkpoints) is not installed."""
  for module, purpose in needed:
    try:
      found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
      found = False
    if not found:
      parser.error(f"{module.split('.')[0]} is not installed ({purpose} need it): "
                   "pip install -e '.[examples]'")


def refuse_occupied(parser: argparse.ArgumentParser, folder: str, overwrite: bool,
                    resumable: bool):
  """One line and exit status 2 when `folder` holds a run and `overwrite` was not asked
  for: what is there, and how to go on."""
  from examples.run_status import occupant  # what a folder holds is the run status module's to say

  held = occupant(folder)
  if held is None or overwrite:
    return
  ways = ([f"--resume {folder} to finish it"] if resumable and "finished" not in held else [])
  ways += ["another --out", "--overwrite to move it aside (it is kept, renamed)"]
  parser.error(f"--out {folder} holds {held}; give {', '.join(ways[:-1])} or {ways[-1]}")


def check_out_folder(parser: argparse.ArgumentParser, folder: str, overwrite: bool):
  """One line and exit status 2 for an output folder that cannot be written or that
  holds a run (without `overwrite`), for the CLIs that write results, not runs."""
  check_dependencies(parser, [n for n in NEEDED if n[0] != "orbax.checkpoint"])
  problem = unwritable(folder)
  if problem:
    parser.error(f"--out {folder}: {problem}")
  refuse_occupied(parser, folder, overwrite, resumable=False)


def add_run_flags(group, steps: str, default_save: str, default_out: str,
                  resume_flags: Sequence[str], chunk_size: int):
  """Adds the flags every grid CLI has: where and how its runs go (--save-every,
  --chunk-size, --devices, --quiet, --out, --resume); `steps` names what a run steps
  through ("updates", "tasks")."""
  group.add_argument("--save-every", type=int, default=None, metavar=steps.upper(),
                     help=f"save the grid (and print progress) every this many {steps} "
                     f"(default: {default_save})")
  group.add_argument("--chunk-size", type=int, default=chunk_size, metavar="RUNS",
                     help="runs per compiled call; it fixes the computation, so a run's "
                     f"numbers do not depend on the devices (default {chunk_size})")
  group.add_argument("--devices", type=int, default=None,
                     help="deal the runs to the first this many devices (default: all JAX "
                     "sees); the numbers are the same on any number")
  group.add_argument("--quiet", action="store_true", help="no progress lines")
  group.add_argument("--out", default=None, help=f"output folder (default: {default_out}); "
                     "one that holds a run is refused unless --overwrite is given")
  group.add_argument("--overwrite", action="store_true",
                     help="where --out holds a run, move it aside to <out>.replaced-<time> "
                     "(nothing is deleted) and start anew")
  group.add_argument("--resume", metavar="FOLDER",
                     help="continue the interrupted run in FOLDER with its own flags (only "
                     f"{', '.join('--' + f.replace('_', '-') for f in resume_flags)} may be "
                     "given beside it)")


def check_run_flags(parser: Parser, args: argparse.Namespace):
  """One line and exit status 2 for a bad value of the flags `add_run_flags` adds."""
  check_dependencies(parser)
  for flag in ("save_every", "chunk_size", "devices"):
    value = getattr(args, flag)
    if value is not None and value < 1:
      parser.error(f"--{flag.replace('_', '-')} must be >= 1, got {value}")
  if args.out is not None and unwritable(args.out):
    parser.error(f"--out {args.out}: {unwritable(args.out)}")
  if args.resume is None and args.out is not None:
    refuse_occupied(parser, args.out, args.overwrite, resumable=True)


def resumed_argv(parser: Parser, args: argparse.Namespace, argv: Sequence[str],
                 allowed: Sequence[str]) -> tuple[list[str], list[str]]:
  """The flags to resume the run in `args.resume` with: its own, and this command's
  `allowed` ones (flags that change how a run is carried out, not its numbers).

  Returns:
    (the run's own flags as first given, the flags to parse now). A bad request is
    one line and exit status 2.
  """
  from examples.run_status import read_status  # the status file is the run status module's

  folder = args.resume
  if getattr(args, "overwrite", False):
    parser.error("--overwrite cannot be combined with --resume (that continues the run)")
  given = [f"--{dest.replace('_', '-')}" for dest, value in vars(args).items()
           if dest not in (*allowed, "resume") and value != parser.get_default(dest)]
  if given:
    can = ", ".join("--" + f.replace("_", "-") for f in allowed)
    parser.error(f"--resume runs {folder} with the flags it was started with; {given[0]} "
                 f"cannot be changed (only {can} can)")
  try:
    status = read_status(folder) if os.path.isdir(folder) else None
  except ValueError as error:
    parser.error(f"--resume {folder}: {error}")
  if status is None:
    parser.error(f"--resume {folder}: not a run folder of this CLI (no status.json)")
  owner = " ".join(str(status.get("command", "")).split()[:3])
  if owner != parser.prog:
    parser.error(f"--resume {folder}: that folder holds a run of {owner or 'another command'}, "
                 f"not of {parser.prog}" + (f"; resume it with: {owner} --resume {folder}"
                                            if owner.startswith("python -m ") else ""))
  if status["state"] == "done":
    parser.error(f"--resume {folder}: that run is done; its results are in the folder")
  own = list(status["argv"])
  for flag in allowed:  # this command's say, not the first one's
    own = _without(own, f"--{flag.replace('_', '-')}")
  return list(status["argv"]), own + _without(_without(list(argv), "--resume"), "--out")


def _without(argv: list[str], flag: str) -> list[str]:
  """`argv` less `flag` and the values after it (up to the next flag)."""
  out, skipping = [], False
  for a in argv:
    if a == flag or a.startswith(flag + "="):
      skipping = a == flag
    elif skipping and not a.startswith("--"):
      continue
    else:
      skipping = False
      out.append(a)
  return out
