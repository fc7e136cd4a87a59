"""The summary, tables and figures of a run: one job per module, the data flowing one way."""

import ast
import math
import pathlib

from examples import plasticity, table_cells, tables

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _imports(module: str) -> set[str]:
  """The examples modules (and third-party top-level packages) that `module` imports."""
  tree = ast.parse((EXAMPLES / f"{module}.py").read_text())
  names = set()
  for node in ast.walk(tree):
    if isinstance(node, ast.ImportFrom) and node.module:
      names.add(node.module)
      names.update(f"{node.module}.{a.name}" for a in node.names)
    elif isinstance(node, ast.Import):
      names.update(a.name for a in node.names)
  return names


def test_only_the_plotting_module_imports_matplotlib():
  importers = sorted(path.stem for path in EXAMPLES.glob("*.py")
                     if any(n.split(".")[0] == "matplotlib" for n in _imports(path.stem)))
  assert importers == ["plotting"]


def test_tables_and_figures_read_a_summary_and_call_back_into_nothing():
  clis = {"lifelong", "combine", "supervised", "published", "positive_control",
          "minatar_random", "minatar_reference", "figures", "figures_supervised",
          "figures_published", "tables"}
  for module in ("summary", "summary_supervised", "summary_fields", "plasticity_loss",
                 "scoring", "stats", "yardstick", "tables", "figures", "figures_supervised",
                 "figures_published", "plotting", "table_cells", "tables_supervised", "files",
                 "plasticity"):
    called = {name.split(".")[1] for name in _imports(module) if name.startswith("examples.")}
    assert not called & (clis - {module}), (module, called & clis)


def _summary(diagnostic: dict) -> dict:
  return {"methods": {"adam": {"label": "Adam", "best": 0}},
          "segments": [{"name": "level 1"}],
          "diagnostics_at_segment_end": [{"method": "adam", "setting": 0, "segment": 0,
                                          **diagnostic}]}


def test_the_diagnostics_table_has_a_column_per_measured_diagnostic():
  values = {d.key: 0.5 for d in plasticity.DIAGNOSTICS}
  text = tables.diagnostics_table(_summary({**values, "scale": math.nan}))
  header, _, line = text.splitlines()
  for d in plasticity.DIAGNOSTICS:
    assert d.column in header
  assert line.split()[-1] == "-"  # no TRAC: no S
  # A run that did not measure one (no entropy in supervised runs) has no column for it;
  # a summary read back from JSON has null where a value was NaN.
  text = tables.diagnostics_table(_summary({**values, "entropy": None}))
  assert text.splitlines()[2].split()[-2] == "-"
  del values["entropy"]
  assert "entropy" not in tables.diagnostics_table(_summary(values))


def test_a_narrow_interval_gets_more_digits_and_no_interval_the_mean_alone():
  fmt = table_cells.interval_cell
  assert fmt(0.5, 0.4, 0.6, 2) == "0.50 [0.40, 0.60]"
  assert fmt(0.1134, 0.1112, 0.1146, 2) == "0.113 [0.111, 0.115]"  # one more digit
  assert fmt(0.11341, 0.11336, 0.11346, 2) == "0.1134 [0.1134, 0.1135]"  # two more
  assert fmt(0.7, 0.7, 0.7, 2) == "0.70"  # equal seeds
  assert fmt(0.5, math.nan, math.nan, 2) == "0.50"  # no interval (e.g. one seed)
  assert fmt(None, None, None, 2) == "n/a" and fmt(math.nan, 0.0, 1.0, missing="-") == "-"
