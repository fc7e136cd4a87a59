"""The cells and layout of every table of the examples: intervals, probabilities, columns.

Cells are "mean [low, high]" with the 95% interval. Where the interval has no width
at the cell's precision, the cell takes one or two more digits ("0.113 [0.110,
0.116]", not "0.11"); the mean stands alone only where the interval is missing or
the seeds agree at that precision too. A table is plain text with aligned
columns, or markdown.
"""

import math
from typing import Optional, Sequence

from examples import plasticity


def interval_cell(mean: float, low: float, high: float, digits: int = 1,
                  missing: str = "n/a") -> str:
  mean, low, high = (math.nan if v is None else v for v in (mean, low, high))  # JSON's null
  if not math.isfinite(mean):
    return missing
  if math.isfinite(low) and math.isfinite(high):
    for d in range(digits, digits + 3):
      if f"{low:.{d}f}" != f"{high:.{d}f}":  # the interval shows at this precision
        return f"{mean:.{d}f} [{low:.{d}f}, {high:.{d}f}]"
  return f"{mean:.{digits}f}"  # no interval, or seeds equal to digits + 2 places


def estimate(e: dict, digits: int = 3) -> str:
  """An estimate of `examples.stats.interval_estimates` (one column): "mean [low, high]"."""
  return interval_cell(e["mean"], e["mean_low"], e["mean_high"], digits, missing="-")


def probability(p) -> str:
  return f"{p[0]:.2f} [{p[1]:.2f}, {p[2]:.2f}]" if p else "-"


def table(header: Sequence[str], lines: Sequence[Sequence[str]], markdown: bool) -> str:
  if markdown:
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                     + ["| " + " | ".join(line) + " |" for line in lines])
  widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]
  fmt = lambda line: "  ".join(c.rjust(w) for c, w in zip(line, widths))
  return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(l) for l in lines])


def diagnostic(d: plasticity.Diagnostic, value: Optional[float]) -> str:
  """A diagnostic's value in its format; "-" where it was not measured (NaN, or null in JSON)."""
  return f"{value:{d.digits}}" if value is not None and math.isfinite(value) else "-"
