"""What every benchmark shares: timing, the command line, run metadata, where results go.

The machines these run on are shared and noisy, so no figure is one measurement:
the candidates are run in rounds, each round calling every candidate once in a
rotated order (so drift and position effects hit all of them alike), warm-up
rounds are dropped, and each candidate's figure is the median over rounds. A ratio
between two candidates is the median over rounds of their per-round ratio.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any, TextIO

from examples.cli import Parser  # one-line errors, exit status 2: the examples' CLIs' own

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


@dataclasses.dataclass(frozen=True)
class Timing:
  """Seconds per call of one candidate: the median over rounds, its quartiles, the rounds."""
  median: float
  q1: float
  q3: float
  samples: tuple[float, ...]  # one per measured round, in round order


def ratio(a: Timing, b: Timing) -> float:
  """Median over rounds of a's time over b's time in the same round.

  Both ran in the same rounds of one ``interleaved`` session, so each round's pair
  ran back to back: a burst of load from elsewhere slows both, and the median of
  the per-round ratios is steadier than the ratio of the medians.
  """
  if len(a.samples) != len(b.samples):
    raise ValueError("ratio: the two timings come from different sessions")
  return statistics.median(x / y for x, y in zip(a.samples, b.samples))


def interleaved(candidates: Mapping[str, Callable[[], Any]], *, rounds: int,
                warmup: int = 2, number: int = 1) -> dict[str, Timing]:
  """Times callables against each other, interleaved.

  Args:
    candidates: name -> a callable that does the work once and blocks until it is
      done (e.g. ends in ``jax.block_until_ready``).
    rounds: measured rounds; each times every candidate once.
    warmup: rounds run first and discarded (compilation, caches, page faults).
    number: calls per measurement, divided out (for calls of a few microseconds).

  Returns:
    name -> Timing of one call, in seconds.
  """
  if rounds < 1 or warmup < 0 or number < 1:
    raise ValueError(f"interleaved: need rounds >= 1, warmup >= 0, number >= 1, "
                     f"got {rounds}, {warmup}, {number}.")
  names = list(candidates)
  samples: dict[str, list[float]] = {name: [] for name in names}
  for r in range(warmup + rounds):
    shift = r % len(names)
    for name in names[shift:] + names[:shift]:
      fn = candidates[name]
      start = time.perf_counter()
      for _ in range(number):
        fn()
      elapsed = (time.perf_counter() - start) / number
      if r >= warmup:
        samples[name].append(elapsed)
  result = {}
  for name, s in samples.items():
    q1, _, q3 = statistics.quantiles(s, n=4) if len(s) > 1 else (s[0], s[0], s[0])
    result[name] = Timing(statistics.median(s), q1, q3, tuple(s))
  return result


def compile_seconds(jitted, *args) -> tuple[Any, float]:
  """Lowers and compiles ``jitted`` for ``args``; returns (compiled, seconds taken)."""
  start = time.perf_counter()
  compiled = jitted.lower(*args).compile()
  return compiled, time.perf_counter() - start


def _cpu_model() -> str:
  try:
    with open("/proc/cpuinfo") as f:
      for line in f:
        if line.startswith("model name"):
          return line.split(":", 1)[1].strip()
  except OSError:
    pass
  return platform.processor() or platform.machine()


def _version(package: str) -> str:
  try:
    return metadata.version(package)
  except metadata.PackageNotFoundError:
    return "not installed"


def environment(packages: tuple[str, ...] = ()) -> dict[str, Any]:
  """Where and with what a benchmark ran: machine, JAX backend and devices, versions, date."""
  import jax  # imported here so that importing this module does not start JAX

  device = jax.devices()[0]
  return {
      "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
      "machine": f"{_cpu_model()}, {os.cpu_count()} cores",
      "backend": jax.default_backend(),
      "device": getattr(device, "device_kind", str(device)),
      "python": platform.python_version(),
      "versions": {p: _version(p) for p in ("jax", "jaxlib", "optax", "trac-optax") + packages},
      "command": " ".join([os.path.basename(sys.executable), "-m",
                           sys.modules["__main__"].__spec__.name if sys.modules["__main__"].__spec__
                           else sys.argv[0]] + sys.argv[1:]),
  }


def result_path(name: str, backend: str | None = None) -> str:
  """The results file of benchmark ``name`` for one JAX backend.

  Figures are kept per backend, ``benchmarks/results/<backend>/<name>.json``, so
  that a run on one backend never overwrites another's.

  Args:
    name: the benchmark, e.g. ``"step"``.
    backend: ``"cpu"``, ``"gpu"``, ``"tpu"``; default: ``jax.default_backend()``
      (which starts JAX).

  Returns:
    The absolute path of the file (its folder may not exist yet).
  """
  if backend is None:
    import jax  # imported here so that importing this module does not start JAX

    backend = jax.default_backend()
  return os.path.join(RESULTS_DIR, backend, f"{name}.json")


def json_safe(value: Any) -> Any:
  """``value`` with every NaN or infinite float replaced by None (JSON's null).

  NaN and Infinity are not JSON (``json.dumps`` writes them anyway, and strict
  readers then fail); a reader of the results sees null as "no finite value".
  NumPy scalars and arrays become Python numbers and lists; tuples become lists.
  """
  if isinstance(value, Mapping):
    return {key: json_safe(item) for key, item in value.items()}
  if isinstance(value, (list, tuple)):
    return [json_safe(item) for item in value]
  if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy, jax arrays
    return json_safe(value.tolist())
  if isinstance(value, float) and not math.isfinite(value):
    return None
  return value


def write_json(path: str | None, result: Mapping[str, Any]) -> None:
  """Writes ``result`` as indented JSON to ``path`` ('-': stdout; None: nowhere).

  Non-finite floats are written as null (see :func:`json_safe`); the output is
  strict JSON.
  """
  if path is None:
    return
  text = json.dumps(json_safe(result), indent=1, sort_keys=False, allow_nan=False) + "\n"
  if path == "-":
    sys.stdout.write(text)
  else:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
      f.write(text)


def count(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
  """An argparse type: a whole number in [minimum, maximum], written plainly or as 5e5."""
  bounds = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum:.0e}]"

  def parse(text: str) -> int:
    try:
      value = float(text)
    except ValueError:
      raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value == int(value) and value >= minimum
            and (maximum is None or value <= maximum)):
      raise argparse.ArgumentTypeError(f"must be a whole number {bounds}, got {text}")
    return int(value)

  return parse


def _output(text: str) -> str:
  """An argparse type: a file that can be written, checked before hours of measuring."""
  if text in ("", "-"):
    return text
  path = os.path.abspath(text)
  if os.path.isdir(path):
    raise argparse.ArgumentTypeError(f"{text} is a folder; name a file in it")
  folder = os.path.dirname(path)
  while not os.path.exists(folder):  # the nearest folder that exists: it will hold the rest
    folder = os.path.dirname(folder)
  if not os.path.isdir(folder):
    raise argparse.ArgumentTypeError(f"{text}: {folder} is a file, not a folder")
  if not os.access(folder, os.W_OK | os.X_OK) or (
      os.path.exists(path) and not os.access(path, os.W_OK)):
    raise argparse.ArgumentTypeError(f"{text}: cannot write there")
  return text


def parser(name: str, doc: str, *, rounds: int | None = None, warmup: int | None = None,
           output: bool = True) -> Parser:
  """The command line of ``python -m benchmarks.<name>``, with the flags benchmarks share.

  Args:
    name: the benchmark, e.g. ``"step"``.
    doc: its module docstring, shown by ``--help``.
    rounds: the default of ``--rounds`` (measured rounds, >= 1); None: no such flag.
    warmup: the default of ``--warmup`` (rounds run first and dropped, >= 0); None: no
      such flag.
    output: whether to add ``--json [PATH]`` (read by :func:`finish`).

  Returns:
    A parser to add the benchmark's own flags to.
  """
  parser = Parser(prog=f"python -m benchmarks.{name}", description=doc,
                  formatter_class=argparse.RawDescriptionHelpFormatter)
  if rounds is not None:
    parser.add_argument("--rounds", type=count(1), default=rounds,
                        help=f"measured rounds per timing (default: {rounds})")
  if warmup is not None:
    parser.add_argument("--warmup", type=count(0), default=warmup,
                        help=f"rounds run first and dropped, per timing (default: {warmup})")
  if output:
    parser.add_argument("--json", metavar="PATH", nargs="?", const="", type=_output,
                        help="also write the results as JSON to PATH ('-': stdout; no PATH:"
                             f" benchmarks/results/<backend>/{name}.json)")
  return parser


def finish(name: str, args: argparse.Namespace, settings: Mapping[str, Any],
           results: Mapping[str, Any], print_table: Callable[[dict, TextIO], None],
           packages: tuple[str, ...] = ()) -> dict[str, Any]:
  """The end of a benchmark's ``main``: its result, printed and written where ``--json`` says.

  Args:
    name: the benchmark, as given to :func:`parser`.
    args: its parsed command line; ``--rounds`` and ``--warmup``, where it has them, join
      the settings.
    settings: what the run was asked to do.
    results: what it measured, the result's remaining keys.
    print_table: writes the result for a reader to a file: stdout, or stderr when the
      JSON goes to stdout.
    packages: versions to record beyond jax, jaxlib, optax and trac-optax.

  Returns:
    ``{"benchmark": name, "environment": environment(packages), "settings": ..., **results}``.
  """
  shared = {key: getattr(args, key) for key in ("rounds", "warmup") if hasattr(args, key)}
  result = {"benchmark": name, "environment": environment(packages),
            "settings": {**settings, **shared}, **results}
  print_table(result, sys.stderr if args.json == "-" else sys.stdout)
  write_json(result_path(name) if args.json == "" else args.json, result)
  return result
