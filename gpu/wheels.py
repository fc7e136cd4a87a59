"""The wheels `gpu/run.sh` installs on a CUDA machine that has jax, flax and optax and no index.

    python -m gpu.wheels [--out gpu/wheels] [--python-version 3.11] [--platform TAG]

(`make gpu-wheels` runs it.) The wheelhouse holds what the examples, the GPU
checks and the benchmarks need beyond such a machine's jax, jaxlib, flax and
optax: the `examples` and `gpu` extras of pyproject.toml and everything they
pull in, less every distribution that jax, jaxlib, flax and optax themselves pull
in (as this environment resolves them), which that machine already has. It writes
`requirements.txt` beside the wheels; `gpu/run.sh` installs from it with
`pip install --no-index --find-links`. A dependency published only as source
(rliable) is built into a wheel here, so that installing needs no build backend.

Wheels are for the Python and platform of the machine that downloads them, unless
`--python-version` and `--platform` name the GPU machine's (e.g. 3.12 and
manylinux_2_28_x86_64); then only binary wheels are taken.
"""

import importlib.metadata as md
import os
import re
import subprocess
import sys
import tomllib
from typing import Iterable, Optional, Sequence

from packaging.requirements import Requirement

from examples.cli import Parser

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = ("jax", "jaxlib", "flax", "optax")  # what the GPU machine is assumed to have
EXTRAS = ("examples", "gpu")


def canonical(name: str) -> str:
  """A distribution's name as pip compares it (PEP 503)."""
  return re.sub(r"[-_.]+", "-", name).lower()


def requirements(pyproject: str = os.path.join(ROOT, "pyproject.toml"),
                 extras: Sequence[str] = EXTRAS) -> list[str]:
  """The requirement strings of `extras` in `pyproject`, in order, without repeats."""
  with open(pyproject, "rb") as f:
    optional = tomllib.load(f)["project"]["optional-dependencies"]
  out: list[str] = []
  for extra in extras:
    out += [r for r in optional[extra] if r not in out]
  return out


def closure(names: Iterable[str]) -> set[str]:
  """The canonical names of `names` and everything they require in this environment
  (requirements whose markers hold here, extras left out); names not installed are kept."""
  seen: set[str] = set()
  todo = [canonical(n) for n in names]
  while todo:
    name = todo.pop()
    if name in seen:
      continue
    seen.add(name)
    try:
      requires = md.requires(name) or []
    except md.PackageNotFoundError:
      continue
    for text in requires:
      req = Requirement(text)
      if req.marker is None or req.marker.evaluate({"extra": ""}):
        todo.append(canonical(req.name))
  return seen


_LEGACY = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}


def platforms(tag: str) -> list[str]:
  """`tag` and the older manylinux tags a machine with its glibc also runs, as pip would for
  its own machine (`--platform` takes tags literally): manylinux_2_28_x86_64 -> itself,
  manylinux_2_27_x86_64, ..., manylinux_2_17_x86_64, manylinux2014_x86_64, ...,
  manylinux1_x86_64. Other tags are kept as they are."""
  match = re.fullmatch(r"manylinux_2_(\d+)_(\w+)", tag)
  if not match:
    return [tag]
  glibc, arch = int(match.group(1)), match.group(2)
  out = []
  for minor in range(glibc, 4, -1):
    out.append(f"manylinux_2_{minor}_{arch}")
    if minor in _LEGACY:
      out.append(f"{_LEGACY[minor]}_{arch}")
  return out


def wheel_name(filename: str) -> str:
  """The canonical distribution name of a wheel file (`flax-0.12.8-py3-none-any.whl`: flax)."""
  return canonical(filename.split("-", 1)[0])


def main(argv: Optional[Sequence[str]] = None) -> list[str]:
  parser = Parser(prog="python -m gpu.wheels", description=__doc__.split("\n\n")[2])
  parser.add_argument("--out", default=os.path.join(ROOT, "gpu", "wheels"),
                      help="the wheelhouse folder (default gpu/wheels)")
  parser.add_argument("--python-version", default=None,
                      help="the GPU machine's Python, e.g. 3.12 (default: this one's)")
  parser.add_argument("--platform", default=None,
                      help="the GPU machine's platform tag, e.g. manylinux_2_28_x86_64 (the "
                      "older manylinux tags it runs are added; default: this one's)")
  args = parser.parse_args(argv)
  if os.path.exists(args.out) and not os.path.isdir(args.out):
    parser.error(f"--out {args.out} is a file, not a folder")
  os.makedirs(args.out, exist_ok=True)
  needed = requirements()
  path = os.path.join(args.out, "requirements.txt")
  with open(path, "w") as f:
    f.write("\n".join(needed) + "\n")
  download = [sys.executable, "-m", "pip", "download", "-q", "-d", args.out, "-r", path]
  subprocess.run(download, check=True)
  for name in os.listdir(args.out):  # a source distribution would need a build backend
    if name.endswith((".tar.gz", ".zip")):  # offline: build its wheel here
      sdist = os.path.join(args.out, name)
      subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", args.out,
                      sdist], check=True)
      os.remove(sdist)
  if args.python_version or args.platform:  # binaries again, for the other machine
    for name in os.listdir(args.out):
      if name.endswith(".whl") and not name.endswith("-none-any.whl"):
        os.remove(os.path.join(args.out, name))
    target = ["--only-binary=:all:", "--find-links", args.out]
    target += ["--python-version", args.python_version] if args.python_version else []
    for tag in platforms(args.platform) if args.platform else []:
      target += ["--platform", tag]
    subprocess.run(download + target, check=True)
  base = closure(BASE)
  kept = []
  for name in sorted(os.listdir(args.out)):
    if not name.endswith(".whl"):
      continue
    if wheel_name(name) in base:
      os.remove(os.path.join(args.out, name))
    else:
      kept.append(name)
  size = sum(os.path.getsize(os.path.join(args.out, n)) for n in kept)
  print(f"{len(kept)} wheels, {size / 2**20:.0f} MiB, in {args.out} (left out, as the GPU "
        f"machine has them: {len(base)} distributions of {', '.join(BASE)})", file=sys.stderr)
  return kept


if __name__ == "__main__":
  main()
