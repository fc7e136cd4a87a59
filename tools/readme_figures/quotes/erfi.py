"""The figures quoted about erfi: docs/erfi.md and docs/reference_differences.md."""

from __future__ import annotations

from tools.readme_figures.formats import f1, f2, g3, integer
from tools.readme_figures.quote import Quote, q
from tools.readme_figures.results import BENCH, j


def quotes() -> list[Quote]:
  """The quotes of docs/erfi.md, and the one of docs/reference_differences.md."""
  D = "docs/erfi.md"
  acc = lambda dtype, name, key: j(f"{BENCH}/erfi.json", "accuracy", dtype, name, key)
  overflow = lambda dtype: f"{j(f'{BENCH}/erfi.json', 'overflow_threshold', dtype):.6f}"
  torch_pct = lambda: f"{acc('float32', 'reference_torch', 'max_rel_error_eps') * 2.0**-23:.0%}"
  return [
      q(D, "off by up to {} ulps on those points, and inf at {} of them",
        lambda: f"{j(f'{BENCH}/erfi.json', 'oracle', 'float64', 'scipy_max_rel_error_eps'):.0f}",
        lambda: str(j(f"{BENCH}/erfi.json", "oracle", "float64", "scipy_inf_where_finite"))),
      q(D, "{} float32 ulps over {} points, and {} float64 ulps over {} points",
        lambda: f2(acc("float32", "trac_optax", "max_rel_error_eps")),
        lambda: integer(acc("float32", "trac_optax", "points")),
        lambda: f1(acc("float64", "trac_optax", "max_rel_error_eps")),
        lambda: integer(acc("float64", "trac_optax", "points"))),
      q(D, "({} in float32, {} in float64)", lambda: overflow("float32"),
        lambda: overflow("float64")),
      q(D, "NaN instead of inf from x = {} on (float32)",
        lambda: f"{acc('float32', 'reference_jax', 'first_non_finite_x'):.5f}"),
      q(D, "errs by up to {} float32 ulps (about {})",
        lambda: g3(acc("float32", "reference_torch", "max_rel_error_eps")), torch_pct),
      q(D, "(its first inf is at {})",
        lambda: f"{acc('float32', 'reference_torch', 'first_inf_x'):.6f}"),
      q(D, "({} ulps in float32)",
        lambda: f"{acc('float32', 'dawsn', 'max_rel_error_eps_finite_outputs'):.0f}"),
      q(D, "(from {} in float32)", lambda: f"{acc('float32', 'dawsn', 'first_inf_x'):.6f}"),
      q(D, "1e6 elements: {}x the throughput",
        lambda: f1(j(f"{BENCH}/erfi.json", "speedup_over_reference_jax", "float32"))),
      q(D, "the `dawsn` erfi does less and is {}x faster",
        lambda: f1(j(f"{BENCH}/erfi.json", "throughput", "float32", "dawsn", "melem_per_s")
                   / j(f"{BENCH}/erfi.json", "throughput", "float32", "trac_optax", "melem_per_s"))),
      q("docs/reference_differences.md", "PyTorch erfi is off by up to about {}", torch_pct),
  ]

