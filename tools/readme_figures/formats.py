"""How the docs write a figure: digits, percentages, learning rates."""

from __future__ import annotations


def g3(x: float) -> str:
  """Three significant digits, as a person writes them: 0.0154, 5.74e-07, 56,579."""
  if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
    return f"{x:.2e}"
  return f"{float(f'{x:.3g}'):,}".removesuffix(".0") if abs(x) >= 1000 else f"{x:.3g}"


def decimals(n: int):
  """The formatter of `n` decimals: decimals(2)(1.678) == '1.68'."""
  return lambda x: f"{x:.{n}f}"


f1, f2, f3, f4 = (decimals(n) for n in range(1, 5))  # 3.0, 1.68, 0.315, 0.0706


def pm(cell: dict) -> str:
  """A mean and its standard error: '266.7 ± 14.0'."""
  return f"{cell['mean']:.1f} ± {cell['se']:.1f}"


def pct(x: float) -> str:
  """A signed percentage: 0.148 -> '+14.8%'."""
  return f"{100 * x:+.1f}%"


def lr_text(x: float) -> str:
  """A learning rate as the docs write it: 0.001 -> '1e-3'."""
  mantissa, exponent = f"{x:.0e}".split("e")
  return f"{mantissa}e{int(exponent)}"


def steps_text(n: int | None) -> str:
  """A number of steps, or 'never' when it was not reached."""
  return "never" if n is None else str(n)


def integer(x: float) -> str:
  """A whole number with thousands separators: 56,579."""
  return f"{x:,.0f}"
