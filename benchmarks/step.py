"""What one optimizer step costs: adam, trac(adam) (both references) and start_trac(adam).

    python -m benchmarks.step [--sizes 1e5 1e6 1e7] [--tree mlp|single] [--rounds 40]
                              [--baseline DIR] [--json PATH]

For MLP-shaped float32 parameter trees of each size, times the jitted
``update + apply_updates`` with params and optimizer state donated (as a training
loop that rebinds them does), interleaved, and reports ms/step, the ratios
trac/adam and trac/reference, optimizer-state bytes over parameter bytes, and
what XLA compiled (``trac_stored`` is ``trac(adam, reference="stored")``, which
keeps theta_ref in its state; ``trac_unchecked`` is ``trac(adam, check_anchor=False)``,
whose ratio to ``trac`` is the cost of the anchor check): bytes accessed per step (``cost_analysis``) and temporary
buffer bytes (``memory_analysis``), both over parameter bytes.

Two roofline rows time one fused elementwise pass over k parameter-sized
buffers (k - 1 read, 1 written in place): k = 7 is what an adam step must move
(read g, m, v, params; write m, v, params), k = 11 what a TRAC step must move (it
reads g and Delta once for h = <g, Delta> before it can scale anything, then
reads g, m, v, Delta, params and writes m, v, Delta, params).

``--baseline DIR`` adds ``trac(adam)`` from another version of the package
(``DIR/_trac.py``, e.g. the ``trac_optax`` folder of an older checkout) as the
candidate ``baseline``, interleaved with the others, to see whether a change
made the step slower (``trac_over_baseline``).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import re

import jax
import jax.numpy as jnp
import optax
try:  # the reference implementation (it imports torch); its row is left out without it
  from trac_optimizer.experimental.jax.trac import start_trac
except ImportError:
  start_trac = None

import trac_optax
from benchmarks import _timing

ROOFLINE_BUFFERS = {"roofline_adam": 7, "roofline_trac": 11}
_IN, _OUT = 256, 16


def single_leaf_params(n: int, key: jax.Array) -> dict:
  """One square float32 matrix of about n params (the worst case for temporaries)."""
  w = max(1, round(math.sqrt(n)))
  return {"kernel": jax.random.normal(key, (w, w), jnp.float32) / math.sqrt(w)}


def mlp_params(n: int, key: jax.Array) -> dict:
  """A 256 -> w -> w -> w -> 16 MLP's float32 params, with w chosen for about n params."""
  # 2 w^2 + (IN + OUT + 3) w + OUT = n.
  b = _IN + _OUT + 3
  w = max(1, round((-b + math.sqrt(b * b + 8 * max(n - _OUT, 0))) / 4))
  sizes = [_IN, w, w, w, _OUT]
  params = {}
  for i, (a, c) in enumerate(zip(sizes[:-1], sizes[1:])):
    key, sub = jax.random.split(key)
    params[f"dense_{i}"] = {
        "kernel": jax.random.normal(sub, (a, c), jnp.float32) / math.sqrt(a),
        "bias": jnp.zeros((c,), jnp.float32),
    }
  return params


def tree_bytes(tree) -> int:
  return sum(leaf.nbytes for leaf in jax.tree.leaves(tree))


def load_baseline(directory: str):
  """The ``trac`` of another version: ``directory/_trac.py`` (it imports this erfi)."""
  spec = importlib.util.spec_from_file_location("trac_optax_baseline",
                                                os.path.join(directory, "_trac.py"))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module.trac


def optimizers(lr: float = 1e-3, baseline=None) -> dict[str, optax.GradientTransformation]:
  extra = {} if baseline is None else {"baseline": baseline(optax.adam(lr))}
  return extra | {
      "adam": optax.adam(lr),
      "trac": trac_optax.trac(optax.adam(lr)),
      "trac_stored": trac_optax.trac(optax.adam(lr), reference="stored"),
      # without the anchor check (one reduction per step): what the check costs
      "trac_unchecked": trac_optax.trac(optax.adam(lr), check_anchor=False),
  } | ({} if start_trac is None else {"reference": start_trac(optax.adam(lr))})


def _step_fn(opt):
  def step(params, opt_state, grads):
    updates, opt_state = opt.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state
  return jax.jit(step, donate_argnums=(0, 1))


def _roofline_fn(k: int):
  """One fused pass: acc <- acc + x_1 + ... + x_{k-2}, i.e. k - 1 reads and 1 write."""
  def sweep(acc, xs):
    return jax.tree.map(lambda a, *x: sum(x, a), acc, *xs)
  return jax.jit(sweep, donate_argnums=(0,))


def _large_copies(hlo_text: str, min_elements: int) -> int:
  """How many `copy` instructions of at least min_elements the compiled HLO runs."""
  count = 0
  for m in re.finditer(r"= \w+\[([\d,]*)\]\{[^}]*\} copy\(", hlo_text):
    dims = [int(d) for d in m.group(1).split(",") if d]
    if math.prod(dims) >= min_elements:
      count += 1
  return count


class _Loop:
  """Calls a compiled donating function, rebinding its donated arguments each time."""

  def __init__(self, compiled, donated, kept):
    self.compiled, self.donated, self.kept = compiled, donated, kept

  def __call__(self):
    out = self.compiled(*self.donated, *self.kept)
    self.donated = out if isinstance(out, tuple) else (out,)
    jax.block_until_ready(self.donated)


TREES = {"mlp": mlp_params, "single": single_leaf_params}


def measure_size(n: int, rounds: int, warmup: int, tree: str = "mlp", baseline=None) -> dict:
  """All candidates at about n parameters, interleaved."""
  key = jax.random.key(0)
  params = TREES[tree](n, key)
  n_actual = sum(leaf.size for leaf in jax.tree.leaves(params))
  p_bytes = tree_bytes(params)
  grads = jax.tree.map(lambda p: 1e-3 * jax.random.normal(jax.random.key(1), p.shape, p.dtype),
                       params)
  copy = lambda t: jax.tree.map(jnp.copy, t)  # every candidate owns distinct buffers

  loops, rows = {}, {}
  for name, opt in optimizers(baseline=baseline).items():
    p = copy(params)
    # The reference's init stores params itself as theta_ref: copy, or donating both fails.
    state = copy(opt.init(p))
    compiled, seconds = _timing.compile_seconds(_step_fn(opt), p, state, grads)
    analysis = compiled.cost_analysis() or {}
    rows[name] = {
        "compile_s": seconds,
        "state_over_params": tree_bytes(state) / p_bytes,
        "bytes_accessed_over_params": analysis.get("bytes accessed", float("nan")) / p_bytes,
        "temp_over_params": compiled.memory_analysis().temp_size_in_bytes / p_bytes,
        "large_copies": _large_copies(compiled.as_text(), max(1, n_actual // 100)),
    }
    loops[name] = _Loop(compiled, (p, state), (grads,))
  for name, k in ROOFLINE_BUFFERS.items():
    acc = copy(params)
    xs = tuple(jax.tree.map(lambda p, i=i: p + i, params) for i in range(1, k - 1))
    compiled, seconds = _timing.compile_seconds(_roofline_fn(k), acc, xs)
    rows[name] = {"compile_s": seconds, "buffers": k}
    loops[name] = _Loop(compiled, (acc,), (xs,))

  # Enough calls per measurement that one measurement takes a few milliseconds.
  number = max(1, int(2e6 // n_actual))
  timings = _timing.interleaved(loops, rounds=rounds, warmup=warmup, number=number)
  for name, t in timings.items():
    rows[name].update(ms=t.median * 1e3, ms_q1=t.q1 * 1e3, ms_q3=t.q3 * 1e3,
                      ms_rounds=[x * 1e3 for x in t.samples])
  over = lambda a, b: _timing.ratio(timings[a], timings[b])
  return {
      "params": n_actual,
      "param_bytes": p_bytes,
      "calls_per_measurement": number,
      "rows": rows,
      "ratios": {
          "trac_over_adam": over("trac", "adam"),
          "trac_stored_over_adam": over("trac_stored", "adam"),
          "trac_stored_over_trac": over("trac_stored", "trac"),
          "trac_over_trac_unchecked": over("trac", "trac_unchecked"),
          **({"trac_over_reference": over("trac", "reference"),
              "reference_over_adam": over("reference", "adam")} if "reference" in rows else {}),
          "trac_over_roofline_trac": over("trac", "roofline_trac"),
          **({"trac_over_baseline": over("trac", "baseline"),
              "trac_stored_over_baseline": over("trac_stored", "baseline")}
             if baseline is not None else {}),
          "adam_over_roofline_adam": over("adam", "roofline_adam"),
          "roofline_trac_over_roofline_adam": over("roofline_trac", "roofline_adam"),
      },
  }


def _baseline_dir(text: str) -> str:
  if not os.path.isfile(os.path.join(text, "_trac.py")):
    raise argparse.ArgumentTypeError(f"no _trac.py in {text}")
  return text


def parse_args(argv=None):
  parser = _timing.parser("step", __doc__, rounds=40, warmup=3)
  parser.add_argument("--sizes", type=_timing.count(10**3, 10**9), nargs="+",
                      default=[10**5, 10**6, 10**7],
                      help="approximate parameter counts (default: 1e5 1e6 1e7)")
  parser.add_argument("--tree", choices=sorted(TREES), default="mlp",
                      help="parameter tree: a 256-w-w-w-16 MLP, or a single square matrix"
                           " (default: mlp)")
  parser.add_argument("--baseline", metavar="DIR", type=_baseline_dir,
                      help="also time trac(adam) from DIR/_trac.py (another version's"
                           " trac_optax folder) as 'baseline'")
  return parser.parse_args(argv)


OPTIMIZERS = ("adam", "trac", "trac_stored", "reference")


def print_table(result: dict, file) -> None:
  nan = {"ms": math.nan, "state_over_params": math.nan, "bytes_accessed_over_params": math.nan,
         "temp_over_params": math.nan}  # a row left out (the reference, not installed)
  print(f"{'params':>10} {'adam':>8} {'trac':>8} {'stored':>8} {'ref':>8} {'roof7':>8}"
        f" {'roof11':>8} {'trac/adam':>9} {'stored/adam':>11} {'trac/ref':>8}"
        f" {'state/params (adam trac stored ref)':>36}", file=file)
  for size in result["sizes"]:
    r, q = {k: size["rows"].get(k, nan) for k in (*OPTIMIZERS, *ROOFLINE_BUFFERS)}, size["ratios"]
    state = " ".join(f"{r[k]['state_over_params']:.2f}" for k in OPTIMIZERS)
    print(f"{size['params']:>10} {r['adam']['ms']:>8.3f} {r['trac']['ms']:>8.3f}"
          f" {r['trac_stored']['ms']:>8.3f} {r['reference']['ms']:>8.3f}"
          f" {r['roofline_adam']['ms']:>8.3f} {r['roofline_trac']['ms']:>8.3f}"
          f" {q['trac_over_adam']:>9.2f} {q['trac_stored_over_adam']:>11.2f}"
          f" {q.get('trac_over_reference', math.nan):>8.2f} {state:>36}", file=file)
  print("ms per step (median); bytes accessed / param bytes (adam trac stored ref):", file=file)
  for size in result["sizes"]:
    r = {k: size["rows"].get(k, nan) for k in OPTIMIZERS}
    print(f"{size['params']:>10} " + " ".join(
        f"{r[k]['bytes_accessed_over_params']:.1f}" for k in OPTIMIZERS)
        + "   temp/params: " + " ".join(
        f"{r[k]['temp_over_params']:.2f}" for k in OPTIMIZERS), file=file)
  for size in result["sizes"]:
    if "trac_over_trac_unchecked" in size["ratios"]:
      print(f"{size['params']:>10} the anchor check: trac {size['rows']['trac']['ms']:.3f} ms,"
            f" check_anchor=False {size['rows']['trac_unchecked']['ms']:.3f} ms,"
            f" ratio {size['ratios']['trac_over_trac_unchecked']:.3f}", file=file)
  for size in result["sizes"]:
    if "trac_over_baseline" in size["ratios"]:
      r, q = size["rows"], size["ratios"]
      print(f"{size['params']:>10} baseline {r['baseline']['ms']:.3f} ms:"
            f" trac/baseline {q['trac_over_baseline']:.3f},"
            f" bytes/params {r['baseline']['bytes_accessed_over_params']:.1f},"
            f" state/params {r['baseline']['state_over_params']:.2f}", file=file)


def main(argv=None) -> dict:
  args = parse_args(argv)
  baseline = None if args.baseline is None else load_baseline(args.baseline)
  settings = {"sizes": args.sizes, "tree": args.tree, "baseline": args.baseline}
  sizes = [measure_size(n, args.rounds, args.warmup, args.tree, baseline) for n in args.sizes]
  return _timing.finish("step", args, settings, {"sizes": sizes}, print_table,
                        ("trac-optimizer",))


if __name__ == "__main__":
  main()
