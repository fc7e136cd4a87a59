"""The figures quoted in examples/README.md on continual supervised learning."""

from __future__ import annotations

from tools.readme_figures.quote import Quote, q
from tools.readme_figures.results import EX, first, md_cell


def quotes() -> list[Quote]:
  """The quotes of examples/README.md's continual supervised sections."""
  E = "examples/README.md"
  return [
      q(E, "TRAC's decline over the run is about 60% of Adam's ({} against {})",
        lambda: first(md_cell(f"{EX}/supervised_random_labels/tables.md",
                              ("TRAC(Adam), lr 0.01",), "last - first [95%]")).replace("-", "−"),
        lambda: first(md_cell(f"{EX}/supervised_random_labels/tables.md",
                              ("Adam, lr 0.001",), "last - first [95%]")).replace("-", "−")),
      q(E, "far from the oracle that restarts at every task ({})",
        lambda: first(md_cell(f"{EX}/supervised_random_labels/tables.md",
                              ("Adam, reset at switch (oracle)",), "best whole-run mean [95%]"))),
      q(E, "clearly better on random labels ({}, P(TRAC > L2) = 0.00)",
        lambda: first(md_cell(f"{EX}/supervised_random_labels/tables.md", ("Adam + L2 to init",),
                              "best whole-run mean [95%]"))),
      q(E, "grid ({}, P = 1.00), non-stationary Adam ({}), and is level with Mechanic ({},",
        *(lambda m=m: first(md_cell(f"{EX}/supervised_random_labels/tables.md", (m,),
                                    "best whole-run mean [95%]"))
          for m in ("Adam + shrink & perturb", "Adam, b1 = b2 = 0.99", "Mechanic(Adam)"))),
      q(E, "But L2 to init's median setting ({}) is",
        lambda: first(md_cell(f"{EX}/supervised_random_labels/tables.md", ("Adam + L2 to init",),
                              "median whole-run mean [95%]"))),
      q(E, "whole-run accuracy {} ({} at lr 1e-3, no tuning) against Adam's best {}",
        *(lambda m=m: first(md_cell(f"{EX}/supervised_random_labels/tables.md", (m,),
                                    "best whole-run mean [95%]"))
          for m in ("TRAC(Adam)", "TRAC(Adam) (untuned)", "Adam"))),
  ]
