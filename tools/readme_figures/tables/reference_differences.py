"""The generated table of docs/reference_differences.md: ours and the reference, from w0 != 0."""

from __future__ import annotations

from tools.readme_figures.results import BENCH, j

LEAST_SQUARES_COLUMNS = ("adam", "trac_optax.trac(adam)", "reference JAX", "reference PyTorch")


def least_squares_table() -> str:
  """Loss after the run from non-zero weights, ours and the reference (least_squares.json)."""
  lines = ["| seed | min \\|w₀\\| | loss at t=0 | " + " | ".join(LEAST_SQUARES_COLUMNS) + " |",
           "|---" * (len(LEAST_SQUARES_COLUMNS) + 3) + "|"]
  for r in j(f"{BENCH}/least_squares.json", "rows"):
    lines.append(f"| {r['seed']} | {r['min_abs_w0']:.1e} | {r['initial']['adam']:.4g} | "
                 + " | ".join(f"{r['final'][c]:.4g}" for c in LEAST_SQUARES_COLUMNS) + " |")
  never = {c: sum(r["final"][c] == r["initial"][c] for r in j(f"{BENCH}/least_squares.json",
                                                                 "rows"))
           for c in LEAST_SQUARES_COLUMNS}
  n = len(j(f"{BENCH}/least_squares.json", "rows"))
  lines.append("")
  lines.append("Never moved (final loss bit-identical to the initial one): "
               + ", ".join(f"{c} {never[c]}/{n}" for c in LEAST_SQUARES_COLUMNS) + ".")
  return "\n".join(lines)
