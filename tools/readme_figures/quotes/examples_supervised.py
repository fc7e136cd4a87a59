"""The figures quoted in examples/README.md on continual supervised learning."""

from __future__ import annotations

from tools.readme_figures.quote import Quote, q
from tools.readme_figures.results import EX, first, md_cell

TABLES = f"{EX}/supervised_random_labels/tables.md"
BEST = "best whole-run mean [95%]"


def _cell(row: str, column: str = BEST) -> str:
  """The first figure of a cell of random-label MNIST-1D's tables.md."""
  return first(md_cell(TABLES, (row,), column))


def quotes() -> list[Quote]:
  """The quotes of examples/README.md's continual supervised sections."""
  E = "examples/README.md"
  return [
      q(E, "TRAC's decline over the run is about 60% of Adam's ({} against {})",
        lambda: _cell("TRAC(Adam), lr 0.01", "last - first [95%]").replace("-", "−"),
        lambda: _cell("Adam, lr 0.001", "last - first [95%]").replace("-", "−")),
      q(E, "far from the oracle that restarts at every task ({})",
        lambda: _cell("Adam, reset at switch (oracle)")),
      q(E, "clearly better on random labels ({}, P(TRAC > L2) = 0.00)",
        lambda: _cell("Adam + L2 to init")),
      q(E, "grid ({}, P = 1.00), non-stationary Adam ({}), and is level with Mechanic ({},",
        *(lambda m=m: _cell(m)
          for m in ("Adam + shrink & perturb", "Adam, b1 = b2 = 0.99", "Mechanic(Adam)"))),
      q(E, "But L2 to init's median setting ({}) is",
        lambda: _cell("Adam + L2 to init", "median whole-run mean [95%]")),
      q(E, "whole-run accuracy {} ({} at lr 1e-3, no tuning) against Adam's best {}",
        *(lambda m=m: _cell(m) for m in ("TRAC(Adam)", "TRAC(Adam) (untuned)", "Adam"))),
  ]
