"""What a run folder's run is doing, or what became of it: `status.json`, and the folder's owner.

From the moment a run starts, its folder holds `status.json`: the command, the
code, progress, the error if it failed, and the command that resumes it
(`start`, `progress`, `finish`, or all three through `recording`). A folder that
holds a run, finished or not, is never written over: `occupant` says what is
there, `set_aside` moves it away on an explicit `--overwrite`. While a run
goes, `checkpoints/` holds its state after the last segment (`has_checkpoint`,
`examples.checkpoints`); `time_left` estimates what remains. The results a run
leaves are `examples.run_folder`'s.
"""

import contextlib
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
from typing import Callable, Iterator, Optional

import jax
import optax

from examples.files import read_json


STATUS = "status.json"
RESULTS = "results.json"  # a finished run's, of every CLI that writes a run folder


CHECKPOINTS = "checkpoints"


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


_RUN_MARKERS = (STATUS, RESULTS, "comparison.json")


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
