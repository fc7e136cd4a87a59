"""A run's numbers on disk: JSON (NaN as null) and CSV (NaN as an empty cell)."""

import json
import math

import numpy as np


def _json_safe(x):
  """NaN and infinities become null (JSON has no NaN); numpy scalars become Python ones."""
  if isinstance(x, dict):
    return {str(k): _json_safe(v) for k, v in x.items()}
  if isinstance(x, (list, tuple)):
    return [_json_safe(v) for v in x]
  if isinstance(x, (np.floating, float)):
    return float(x) if math.isfinite(x) else None
  if isinstance(x, np.integer):
    return int(x)
  if isinstance(x, np.ndarray):
    return _json_safe(x.tolist())
  return x


def read_json(path: str):
  """The JSON in `path`; a file that is not valid JSON is a ValueError that names it."""
  try:
    with open(path) as f:
      return json.load(f)
  except json.JSONDecodeError as error:
    raise ValueError(f"{path} is not valid JSON ({error})") from None
  except UnicodeDecodeError:
    raise ValueError(f"{path} is not valid JSON (not UTF-8 text)") from None


def write_json(path: str, data: dict):
  """Writes `data` as indented JSON.

  Args:
    path: the file to write.
    data: plain data (dicts, lists, strings, numbers, numpy scalars and
      arrays); NaN and infinities are written as null.
  """
  with open(path, "w") as f:
    json.dump(_json_safe(data), f, indent=1, allow_nan=False)


def write_csv(path: str, rows: list[dict]):
  """Writes the rows of a summary as CSV, one column per key of any row.

  Args:
    path: the file to write.
    rows: a summary's "rows"; the per-seed lists are left out (results.json
      has them), a float is written with 6 significant digits, NaN as an
      empty cell.
  """
  columns = list(dict.fromkeys(k for row in rows for k in row if "per_seed" not in k))
  with open(path, "w") as f:
    f.write(",".join(columns) + "\n")
    for row in rows:
      values = [row.get(c, "") for c in columns]
      f.write(",".join(
          ("" if not math.isfinite(v) else f"{v:.6g}") if isinstance(v, float) else str(v)
          for v in values) + "\n")
