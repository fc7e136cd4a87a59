"""The generated tables of examples/README.md's continual supervised sections.

Both are read from a run folder's ``tables.md`` (what ``examples.supervised`` wrote), so a
rerun of the grid rewrites them: the whole-run table (each method at its best and median
setting, and P(beats Adam)) and the positive control (the last tasks against the first and
against the reset oracle).
"""

from __future__ import annotations

from tools.readme_figures.results import EX, md_tables

_COLUMNS = ("method", "configurations", "best setting", "best whole-run mean [95%]",
            "median setting", "median whole-run mean [95%]",
            "P(best beats the baseline's best) [95%]")


def _table(path: str, first_column: str) -> tuple[list[str], list[list[str]]]:
  for header, rows in md_tables(path):
    if header[0] == first_column:
      return header, rows
  raise KeyError(f"{path}: no table whose first column is {first_column!r}")


def _markdown(header, rows) -> str:
  lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
  lines += ["| " + " | ".join(row) + " |" for row in rows]
  return "\n".join(lines)


def whole_run_table(folder: str, measure: str) -> str:
  """Each method at its best and median setting over the whole run, and P(beats Adam).

  Args:
    folder: the run folder under examples/results/.
    measure: what the scores are, for the headers ("accuracy", "squared error").
  """
  header, rows = _table(f"{EX}/{folder}/tables.md", "method")
  keep = [header.index(c) for c in _COLUMNS]
  names = ["method", "configurations", "best setting", f"best whole-run {measure} [95%]",
           "median setting", "median [95%]", "P(best > Adam's best) [95%]"]
  return _markdown(names, [[row[i] for i in keep] for row in rows])


def control_table(folder: str) -> str:
  """The positive control of a run folder, as its tables.md has it."""
  return _markdown(*_table(f"{EX}/{folder}/tables.md", "method, setting"))
