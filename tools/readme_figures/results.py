"""Reading the committed result files, and finding the rows the docs quote.

Paths are relative to the repository root. ``read_json`` and ``read_text``
cache what they read: the files are committed and do not change during a check.
"""

from __future__ import annotations

import functools
import json
import pathlib
from typing import Any, Sequence

ROOT = pathlib.Path(__file__).resolve().parents[2]
BENCH = "benchmarks/results/cpu"
EX = "examples/results"


@functools.lru_cache(maxsize=None)
def read_text(path: str) -> str:
  """The text of the file at ``path``."""
  return (ROOT / path).read_text()


@functools.lru_cache(maxsize=None)
def read_json(path: str) -> Any:
  """The parsed JSON file at ``path``."""
  return json.loads(read_text(path))


def j(path: str, *keys) -> Any:
  """The value at ``keys`` in a JSON result file.

  Args:
    path: the JSON file.
    *keys: str keys for dicts, int indices for lists; none gives the whole file.

  Returns:
    The value found.
  """
  value = read_json(path)
  for key in keys:
    value = value[key]
  return value


def md_tables(path: str) -> list[tuple[list[str], list[list[str]]]]:
  """Every markdown table of a file: (header cells, rows of cells), the separator row left out."""
  tables, header, rows = [], None, []
  for line in read_text(path).splitlines() + [""]:
    if line.startswith("|"):
      cells = [c.strip() for c in line.strip().strip("|").split("|")]
      if header is None:
        header = cells
      elif not set("".join(cells)) <= set("-: "):
        rows.append(cells)
    elif header is not None:
      tables.append((header, rows))
      header, rows = None, []
  return tables


def md_cell(path: str, row: Sequence[str], column: str) -> str:
  """A cell of a markdown table.

  Args:
    path: the markdown file.
    row: the first cells of the row.
    column: the header of the cell's column.

  Returns:
    The cell, stripped, from the first table row that starts with ``row`` in a
    table with a ``column``.

  Raises:
    KeyError: when no such row is found.
  """
  for header, rows in md_tables(path):
    if column in header:
      for cells in rows:
        if cells[:len(row)] == list(row):
          return cells[header.index(column)]
  raise KeyError(f"{path}: no table row {row} with a column {column!r}")


def first(cell: str) -> str:
  """The value before an interval: '0.315 [0.312, 0.317]' -> '0.315'."""
  return cell.split(" [")[0]


def startup_row(inner: str, lr: float, s_prev: float) -> dict:
  """The start-up grid's run of ``inner`` at ``lr`` and ``s_prev`` (startup.json)."""
  rows = [r for r in j(f"{BENCH}/startup.json", "grid")
          if r["inner"] == inner and r["lr"] == lr and r["s_prev"] == s_prev]
  assert len(rows) == 1, (inner, lr, s_prev)
  return rows[0]


def fine_tune_row(method: str) -> dict:
  """The fine-tuning run of ``method`` (startup.json)."""
  rows = [r for r in j(f"{BENCH}/startup.json", "fine_tune", "rows") if r["method"] == method]
  assert len(rows) == 1, method
  return rows[0]


def warm_row(lr: float) -> dict:
  """The warm-started run at ``lr``: adam first, then trac (startup.json)."""
  rows = [r for r in j(f"{BENCH}/startup.json", "warm_start") if r["lr"] == lr]
  assert len(rows) == 1, lr
  return rows[0]


def misorder_row(case: str, reference: str) -> dict:
  """A chain of the misordering benchmark with the ``reference`` option (misorder.json)."""
  rows = [r for r in j(f"{BENCH}/misorder.json", "rows")
          if r["case"] == case and r["reference"] == reference]
  assert len(rows) == 1, (case, reference)
  return rows[0]


def published_cell(env: str, cell: str) -> dict:
  """A cell of the published-protocol comparison, ours beside C-CHAIN's."""
  return j(f"{EX}/published/comparison.json", "environments", env, "cells", cell)


def trac_scale_at_level_end(folder: str, setting: int, segment: int) -> float:
  """TRAC's S at the end of a level, in a lifelong run's results.json."""
  rows = [r for r in j(f"{EX}/{folder}/results.json", "summary", "diagnostics_at_segment_end")
          if r["method"] == "trac" and r["setting"] == setting and r["segment"] == segment]
  assert len(rows) == 1, (folder, setting, segment)
  return rows[0]["scale"]


def anchor_case(dtype: str, reference: str, after: str) -> dict:
  """A case of the anchor-drift benchmark (anchor.json)."""
  rows = [c for c in j(f"{BENCH}/anchor.json", "cases")
          if c["dtype"] == dtype and c["reference"] == reference and c["after"] == after]
  assert len(rows) == 1, (dtype, reference, after)
  return rows[0]


def step_row(size_index: int, name: str) -> dict:
  """An optimizer's row of the step benchmark at a params size (step.json)."""
  return j(f"{BENCH}/step.json", "sizes", size_index, "rows", name)


def step_ratio(size_index: int, key: str) -> float:
  """A ratio of the step benchmark (medians of per-round ratios), e.g. 'trac_over_adam'."""
  return j(f"{BENCH}/step.json", "sizes", size_index, "ratios", key)
