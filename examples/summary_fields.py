"""How the tables and figures read a summary: its labels, its score columns, its rows.

A summary (`examples.summary`, `examples.summary_supervised`) is plain data;
these are the few readings of it that several formatters share, kept in one
place so that a table and a figure of the same run say the same thing.
"""

from typing import Any, Mapping, Optional, Sequence

from examples.methods import METHODS


def method_label(name: str, setting: Optional[dict] = None) -> str:
  """A method's label, with its setting beyond the lr: "Adam + L2 to init (strength 0.001)"."""
  label = METHODS[name].label if name in METHODS else name
  extra = ", ".join(f"{k} {v:g}" for k, v in (setting or {}).items() if k != "lr")
  return f"{label} ({extra})" if extra else label


def seed_counts(counts) -> str:
  """"6" when every method ran 6 seeds, "3-6" when they ran between 3 and 6."""
  counts = sorted(set(counts))
  return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def score_columns(normalized: bool) -> tuple[str, str, str]:
  """The row keys of the mean and its interval: normalised scores or raw returns."""
  if normalized:
    return "normalized", "norm_ci95_low", "norm_ci95_high"
  return "mean_return", "ci95_low", "ci95_high"


def whole_run_label(summary: dict) -> str:
  """What the whole-run score is, for an axis."""
  return "whole-run normalized score" if summary["score"] == "normalized" else "whole-run return"


def whole_run_rows(summary: dict) -> dict:
  """(method, setting) -> its whole-run row."""
  return {(r["method"], r["setting"]): r for r in summary["rows"] if r["segment"] == "all"}


def setting_label(summary: dict, name: str, j: int) -> str:
  """Setting j of a method (of either kind of summary), e.g. "lr 0.001, strength 0.01"."""
  setting = summary["methods"][name]["settings"][j]
  return ", ".join(f"{k} {v:g}" for k, v in setting.items())


def yardstick_bounds(yardstick: Mapping[str, Mapping[str, Any]], task_names: Sequence[str]
                     ) -> tuple[list[float], list[float]]:
  """Per task, in task order, (R_random, R_ref) of a yardstick (`summarize`'s argument).

  Raises:
    ValueError: a task the yardstick has no reference for.
  """
  missing = [t for t in task_names if t not in yardstick]
  if missing:
    raise ValueError(f"the yardstick has no reference for {', '.join(missing)}")
  return ([yardstick[t]["random"] for t in task_names],
          [yardstick[t]["reference"] for t in task_names])
