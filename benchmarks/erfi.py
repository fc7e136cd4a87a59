"""How accurate and how fast erfi is: trac_optax's kernel against the reference's and dawsn.

    python -m benchmarks.erfi [--points 1000000] [--mpmath-points 5000] [--json PATH]

Four implementations, in float32 and in float64 (under x64):

* ``trac_optax``: :func:`trac_optax.erfi`;
* ``reference_jax``: the JAX erfi of ``trac-optimizer==0.0.2``
  (``trac_optimizer.experimental.jax.trac.erfi``; for float64 its module is
  re-imported under x64, as a float64 user would have it);
* ``reference_torch``: its PyTorch erfi (``trac_optimizer.trac.erfi``, CPU);
* ``dawsn``: ``2/sqrt(pi) * exp(x^2) * jax.scipy.special.dawsn(x)``.

Accuracy: relative error against a high-precision value, in units of the
format's machine epsilon, wherever erfi is finite in that format (max and 99.9th
percentile). The float32 oracle is scipy's float64 erfi (its ~1e-13 error is far
below float32's epsilon); the float64 oracle is mpmath at 30 digits, on a random
subsample because it is slow (scipy's float64 erfi itself errs by ~260 ulps).
Robustness: over |x| <= 1e4, the count of NaN outputs, of infinities where erfi
is finite, and of finite outputs where it overflows; and, on a grid of spacing
1e-6 around the overflow point, the smallest x > 0 where each implementation
returns inf (and where it first returns anything not finite). For float64 the
error of scipy's own erfi against mpmath is measured too (why it is not the
oracle there).

Throughput: one call (jitted for JAX) on 1e6 elements uniform in [-10, 10], median
over interleaved rounds (PyTorch in a block of its own, see ``measure_throughput``);
compile time separately.
"""

from __future__ import annotations

import functools
import importlib
import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import scipy.special
import torch
import trac_optimizer.experimental.jax.trac as reference_jax_module
import trac_optimizer.trac as reference_torch_module

import trac_optax
from benchmarks import _timing

IMPLEMENTATIONS = ("trac_optax", "reference_jax", "reference_torch", "dawsn")
DTYPES = ("float32", "float64")
SCAN_LIMIT = 1e4
THROUGHPUT_ELEMENTS = 10**6
# Taken before the float64 run re-imports the module under x64.
_REFERENCE_JAX_ERFI_F32 = reference_jax_module.erfi


def erfi_dawsn(x):
  """erfi through Dawson's function: erfi(x) = 2/sqrt(pi) exp(x^2) D(x)."""
  return 2 / math.sqrt(math.pi) * jnp.exp(x * x) * jax.scipy.special.dawsn(x)


@functools.lru_cache(maxsize=None)
def overflow_threshold(dtype) -> float:
  """The x > 0 beyond which erfi(x) exceeds the largest finite value of ``dtype``."""
  largest = mpmath.mpf(float(np.finfo(dtype).max))
  mpmath.mp.dps = 30
  lo, hi = mpmath.mpf(1), mpmath.mpf(30)
  for _ in range(200):
    mid = (lo + hi) / 2
    lo, hi = (mid, hi) if mpmath.erfi(mid) <= largest else (lo, mid)
  return float(lo)


def _torch_fn(dtype):
  torch_dtype = {"float32": torch.float32, "float64": torch.float64}[dtype]

  def call(x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
      return reference_torch_module.erfi(torch.from_numpy(x).to(torch_dtype)).numpy()
  return call


def implementations(dtype: str) -> dict[str, tuple[Callable, bool]]:
  """name -> (function of a numpy array, whether it is a JAX function to jit)."""
  if dtype == "float32":
    reference_jax = _REFERENCE_JAX_ERFI_F32
  else:
    # The reference builds its coefficients at import: re-import it under x64.
    reference_jax = importlib.reload(reference_jax_module).erfi
  return {
      "trac_optax": (trac_optax.erfi, True),
      "reference_jax": (reference_jax, True),
      "reference_torch": (_torch_fn(dtype), False),
      "dawsn": (erfi_dawsn, True),
  }


def _as_numpy_fn(fn, is_jax: bool, dtype: str):
  if not is_jax:
    return fn
  jitted = jax.jit(fn)
  return lambda x: np.asarray(jitted(jnp.asarray(x, dtype)))


def accuracy_points(dtype: str, n: int, n_mpmath: int, rng) -> tuple[np.ndarray, np.ndarray]:
  """Points where erfi is finite in ``dtype``, and erfi there in float64."""
  np_dtype = np.dtype(dtype)
  limit = overflow_threshold(np_dtype)
  tiny = float(np.finfo(np_dtype).tiny)
  if dtype == "float32":
    x = np.concatenate([np.linspace(-limit, limit, n), np.geomspace(tiny, 1.0, n // 50),
                        -np.geomspace(tiny, 1.0, n // 50)]).astype(np_dtype)
    expected = scipy.special.erfi(x.astype(np.float64))
  else:
    x = np.concatenate([rng.uniform(-limit, limit, n_mpmath),
                        np.geomspace(1e-300, limit, n_mpmath // 10)]).astype(np_dtype)
    mpmath.mp.dps = 30
    expected = np.array([float(mpmath.erfi(mpmath.mpf(float(v)))) for v in x])
  finite = np.isfinite(expected) & (np.abs(expected) <= np.finfo(np_dtype).max) & (x != 0)
  return x[finite], expected[finite]


def overflow_edge(dtype: str) -> np.ndarray:
  """x > 0 within 0.25 of the overflow point, spaced 1e-6 (about one float32 ulp there)."""
  limit = overflow_threshold(np.dtype(dtype))
  return np.linspace(limit - 0.25, limit + 0.25, 500_001).astype(dtype)


def _first(x: np.ndarray, where: np.ndarray) -> float | None:
  return float(x[where][0]) if where.any() else None


def measure_accuracy(fn, x, expected, scan, dtype: str) -> dict:
  eps = float(np.finfo(np.dtype(dtype)).eps)
  actual = np.asarray(fn(x), np.float64)
  with np.errstate(invalid="ignore", over="ignore"):
    rel = np.abs(actual - expected) / np.abs(expected)
  finite_outputs = np.isfinite(actual)
  rel_finite = rel[finite_outputs]
  rel = np.where(finite_outputs, rel, np.inf)
  # Robustness over |x| <= 1e4: erfi overflows beyond the threshold, with the sign of x.
  limit = overflow_threshold(np.dtype(dtype))
  y = np.asarray(fn(scan), np.float64)
  overflows = np.abs(scan) > limit
  edge = overflow_edge(dtype)
  at_edge = np.asarray(fn(edge), np.float64)
  return {
      "points": int(len(x)),
      "max_rel_error_eps": float(np.max(rel) / eps),
      "p999_rel_error_eps": float(np.quantile(rel, 0.999, method="higher") / eps),
      "worst_x": float(x[np.argmax(rel)]),
      # Over the points where the output is finite: tells a finite-but-wrong kernel from
      # one that overflows a little early.
      "max_rel_error_eps_finite_outputs": float(np.max(rel_finite, initial=0.0) / eps),
      "scan_points": int(len(scan)),
      "nan": int(np.sum(np.isnan(y))),
      "inf_where_finite": int(np.sum(np.isinf(y) & ~overflows)),
      "finite_where_overflow": int(np.sum(np.isfinite(y) & overflows)),
      "wrong_sign_overflow": int(np.sum(np.isinf(y) & overflows & (np.sign(y) != np.sign(scan)))),
      "first_inf_x": _first(edge, np.isinf(at_edge)),
      "first_non_finite_x": _first(edge, ~np.isfinite(at_edge)),
  }


def measure_throughput(impls, dtype: str, args, rng) -> dict:
  """ms per call on 1e6 elements, uniform in [-10, 10].

  The JAX implementations are interleaved. The PyTorch reference is timed in a block
  of its own right after them: its OpenMP threads and XLA's compete for the cores
  when interleaved (each side's idle threads spin), which slowed both several-fold.
  """
  x_np = rng.uniform(-10, 10, THROUGHPUT_ELEMENTS).astype(dtype)
  x_jax = jax.device_put(jnp.asarray(x_np, dtype))
  torch_dtype = {"float32": torch.float32, "float64": torch.float64}[dtype]
  x_torch = torch.from_numpy(x_np).to(torch_dtype)
  calls, out = {}, {}
  for name, (fn, is_jax) in impls.items():
    if is_jax:
      compiled, seconds = _timing.compile_seconds(jax.jit(fn), x_jax)
      calls[name] = lambda c=compiled: jax.block_until_ready(c(x_jax))
      out[name] = {"compile_s": seconds}
    else:
      def call():
        with torch.no_grad():
          reference_torch_module.erfi(x_torch)
      calls[name] = call
      out[name] = {"compile_s": None}
  jax_names = [name for name, (_, is_jax) in impls.items() if is_jax]
  timings = _timing.interleaved({n: calls[n] for n in jax_names},
                                rounds=args.rounds, warmup=args.warmup)
  timings.update(_timing.interleaved({"reference_torch": calls["reference_torch"]},
                                     rounds=args.torch_rounds, warmup=1))
  for name, t in timings.items():
    out[name].update(ms=t.median * 1e3, ms_q1=t.q1 * 1e3, ms_q3=t.q3 * 1e3,
                     melem_per_s=THROUGHPUT_ELEMENTS / t.median / 1e6)
  out["trac_optax"]["speedup_over_reference_jax"] = _timing.ratio(
      timings["reference_jax"], timings["trac_optax"])
  return out


def run_dtype(dtype: str, args, rng) -> tuple[dict, dict]:
  impls = implementations(dtype)
  x, expected = accuracy_points(dtype, args.points, args.mpmath_points, rng)
  scan = np.linspace(-SCAN_LIMIT, SCAN_LIMIT, args.points).astype(dtype)
  accuracy = {name: measure_accuracy(_as_numpy_fn(fn, is_jax, dtype), x, expected, scan, dtype)
              for name, (fn, is_jax) in impls.items()}
  throughput = measure_throughput(impls, dtype, args, rng)
  if dtype == "float64":  # the oracle is mpmath; how far off would scipy have been?
    scipy_erfi = scipy.special.erfi(x.astype(np.float64))
    finite = np.isfinite(scipy_erfi)
    rel = np.abs(scipy_erfi[finite] - expected[finite]) / np.abs(expected[finite])
    oracle = {"oracle": "mpmath, 30 digits",
              "scipy_max_rel_error_eps": float(np.max(rel) / np.finfo(np.float64).eps),
              "scipy_inf_where_finite": int(np.sum(~finite)),
              "scipy_first_inf_x": _first(np.sort(x), ~np.isfinite(
                  scipy.special.erfi(np.sort(x).astype(np.float64))) & (np.sort(x) > 0))}
  else:
    oracle = {"oracle": "scipy.special.erfi in float64"}
  return accuracy, throughput, oracle


def parse_args(argv=None):
  parser = _timing.parser("erfi", __doc__, rounds=20, warmup=3)
  parser.add_argument("--points", type=_timing.count(1000), default=10**6,
                      help="float32 accuracy grid and |x| <= 1e4 scan size (default: 1e6)")
  parser.add_argument("--mpmath-points", type=_timing.count(100), default=5000,
                      help="float64 points checked against mpmath (default: 5000)")
  parser.add_argument("--torch-rounds", type=_timing.count(1), default=3,
                      help="measured rounds of the (slow) PyTorch reference (default: 3)")
  parser.add_argument("--dtypes", choices=DTYPES, nargs="+", default=list(DTYPES),
                      help="formats to measure (default: both)")
  return parser.parse_args(argv)


def print_table(result: dict, file) -> None:
  for dtype in result["accuracy"]:
    acc, thr = result["accuracy"][dtype], result["throughput"][dtype]
    print(f"{dtype}: rel. error in eps where finite ({acc['trac_optax']['points']} points),"
          f" NaN / spurious inf / missed overflow over |x| <= 1e4, 1e6-element call", file=file)
    print(f"  {'':16} {'max':>10} {'p99.9':>10} {'NaN':>7} {'inf':>7} {'fin':>7}"
          f" {'first inf':>10} {'ms':>9} {'Melem/s':>9}", file=file)
    for name in acc:
      a, t = acc[name], thr[name]
      first_inf = "none" if a["first_inf_x"] is None else f"{a['first_inf_x']:.6f}"
      print(f"  {name:16} {a['max_rel_error_eps']:>10.3g} {a['p999_rel_error_eps']:>10.3g}"
            f" {a['nan']:>7} {a['inf_where_finite']:>7} {a['finite_where_overflow']:>7}"
            f" {first_inf:>10} {t['ms']:>9.3f} {t['melem_per_s']:>9.1f}", file=file)
    print(f"  erfi overflows at {result['overflow_threshold'][dtype]:.6f};"
          f" trac_optax / reference_jax throughput:"
          f" {result['speedup_over_reference_jax'][dtype]:.1f}x", file=file)
    if "scipy_max_rel_error_eps" in result["oracle"][dtype]:
      o = result["oracle"][dtype]
      print(f"  scipy's own erfi against mpmath: max {o['scipy_max_rel_error_eps']:.3g} eps"
            f" where finite; inf at {o['scipy_inf_where_finite']} points where erfi is"
            f" finite, from x = {o['scipy_first_inf_x']}", file=file)


def main(argv=None) -> dict:
  args = parse_args(argv)
  rng = np.random.default_rng(0)
  accuracy, throughput, oracle = {}, {}, {}
  args.dtypes = [d for d in DTYPES if d in args.dtypes]
  for dtype in args.dtypes:
    if dtype == "float64":
      with jax.enable_x64(True):
        accuracy[dtype], throughput[dtype], oracle[dtype] = run_dtype(dtype, args, rng)
    else:
      accuracy[dtype], throughput[dtype], oracle[dtype] = run_dtype(dtype, args, rng)
  settings = {"points": args.points, "mpmath_points": args.mpmath_points,
              "torch_rounds": args.torch_rounds,
              "throughput_elements": THROUGHPUT_ELEMENTS, "scan_limit": SCAN_LIMIT,
              "torch_threads": torch.get_num_threads()}
  results = {
      "overflow_threshold": {d: overflow_threshold(np.dtype(d)) for d in args.dtypes},
      "oracle": oracle,
      "accuracy": accuracy,
      "throughput": throughput,
      "speedup_over_reference_jax": {
          d: throughput[d]["trac_optax"]["speedup_over_reference_jax"] for d in args.dtypes},
  }
  return _timing.finish("erfi", args, settings, results, print_table,
                        ("trac-optimizer", "torch", "scipy", "mpmath"))


if __name__ == "__main__":
  main()
