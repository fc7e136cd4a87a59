"""The figures quoted in prose, one module per doc (examples/README.md by section).

Each module's ``quotes()`` lists the ``Quote``s of its doc; ``quotes()`` here lists them all.
"""

from __future__ import annotations

from tools.readme_figures.quote import Quote
from tools.readme_figures.quotes import anchor, benchmarks, erfi, examples_minatar
from tools.readme_figures.quotes import examples_published, examples_short_budget
from tools.readme_figures.quotes import examples_supervised, first_steps, game_switches
from tools.readme_figures.quotes import learning_rate, readme

MODULES = (readme, first_steps, learning_rate, anchor, game_switches, erfi, benchmarks,
           examples_minatar, examples_short_budget, examples_published, examples_supervised)


def quotes() -> list[Quote]:
  """Every quote of every checked doc."""
  return [quote for module in MODULES for quote in module.quotes()]
