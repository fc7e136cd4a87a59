"""Checks every figure of the docs against the result files; ``--write`` first rewrites the tables.

    python -m tools.readme_figures [--write]

Prints one line per disagreement and exits 1 if there is any.
"""

from __future__ import annotations

import sys

from tools.readme_figures.benchmark_section import generated_benchmark_section
from tools.readme_figures.checks import errors
from tools.readme_figures.docs import write


def main(argv=None) -> int:
  """Runs the check (after ``write`` with ``--write``); returns the exit status."""
  argv = sys.argv[1:] if argv is None else argv
  if "--write" in argv:
    write()
  found = errors() + generated_benchmark_section()
  for line in found:
    print(line)
  return 1 if found else 0


if __name__ == "__main__":
  sys.exit(main())
