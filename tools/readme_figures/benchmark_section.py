"""benchmarks/README.md's generated results section against the code that writes it."""

from __future__ import annotations

import sys

from tools.readme_figures.results import ROOT, read_text


def generated_benchmark_section() -> list[str]:
  """An error when the section differs from what ``benchmarks.run_all.table`` writes."""
  sys.path.insert(0, str(ROOT))
  from benchmarks import run_all  # pylint: disable=import-outside-toplevel
  results = {}
  for backend in ("cpu", "gpu"):
    found = {n: r for n in run_all.BENCHMARKS if (r := run_all.load(n, backend)) is not None}
    if found:
      results[backend] = found
  text = read_text("benchmarks/README.md")
  section = text[text.index(run_all.BEGIN) + len(run_all.BEGIN):text.index(run_all.END)]
  if section.strip() != run_all.table(results).strip():
    return ["benchmarks/README.md: the results section differs from the result files "
            "(python -m benchmarks.run_all --table-only)"]
  return []
