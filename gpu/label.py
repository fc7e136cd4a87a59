"""What a results folder of `gpu/run.sh` was measured on: device.json, and the time of each phase.

    python -m gpu.label OUT [--allow-cpu]         # writes OUT/device.json
    python -m gpu.label OUT --phase NAME SECONDS  # adds a phase's time to it

Without `--allow-cpu`, a machine whose JAX backend is not a GPU is refused
(exit status 2): results labelled GPU are measured on one.
"""

import datetime
import json
import os
import subprocess
import sys
from importlib import metadata
from typing import Optional, Sequence

from examples.cli import Parser

PACKAGES = ("jax", "jaxlib", "flax", "optax", "gymnax", "trac-optax", "rejax")


def _version(package: str) -> Optional[str]:
  try:
    return metadata.version(package)
  except metadata.PackageNotFoundError:
    return None


def _commit() -> Optional[str]:
  try:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True, cwd=os.path.dirname(os.path.abspath(__file__)), timeout=10)
  except (OSError, subprocess.TimeoutExpired):
    return None
  return out.stdout.strip() or None


def describe() -> dict:
  """The backend, its devices, the versions and the code's commit."""
  import jax

  devices = jax.devices()
  return {
      "label": "GPU" if jax.default_backend() == "gpu" else jax.default_backend().upper(),
      "backend": jax.default_backend(),
      "devices": [getattr(d, "device_kind", str(d)) for d in devices],
      "versions": {p: _version(p) for p in PACKAGES},
      "python": sys.version.split()[0],
      "commit": _commit(),
      "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
      "phases_s": {},
  }


def main(argv: Optional[Sequence[str]] = None) -> dict:
  parser = Parser(prog="python -m gpu.label", description=__doc__.split("\n\n")[0])
  parser.add_argument("out", help="the results folder")
  parser.add_argument("--allow-cpu", action="store_true",
                      help="label a machine without a GPU too (its label says what it is)")
  parser.add_argument("--phase", nargs=2, metavar=("NAME", "SECONDS"), default=None,
                      help="add a phase's wall time to OUT/device.json")
  args = parser.parse_args(argv)
  path = os.path.join(args.out, "device.json")
  if args.phase is not None:
    name, seconds = args.phase
    try:
      seconds = float(seconds)
    except ValueError:
      parser.error(f"--phase {name}: seconds must be a number, got {seconds!r}")
    if not os.path.isfile(path):
      parser.error(f"{path} does not exist: label the folder first")
    with open(path) as f:
      saved = json.load(f)
    saved["phases_s"][name] = round(seconds, 1)
    saved["versions"] = {p: _version(p) for p in PACKAGES}  # as installed by now
  else:
    saved = describe()
    if saved["backend"] != "gpu" and not args.allow_cpu:
      parser.error(f"JAX sees no GPU (backend {saved['backend']!r}); results here would not "
                   "be GPU results (--allow-cpu labels them as what they are)")
  with open(path, "w") as f:
    json.dump(saved, f, indent=1)
    f.write("\n")
  return saved


if __name__ == "__main__":
  main()
