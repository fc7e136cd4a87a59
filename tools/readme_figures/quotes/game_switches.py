"""The figures quoted in docs/game_switches.md: the MinAtar run's size."""

from __future__ import annotations

from tools.readme_figures.quote import Quote, q
from tools.readme_figures.results import EX, j


def quotes() -> list[Quote]:
  """The quotes of docs/game_switches.md."""
  G = "docs/game_switches.md"
  return [
      q(G, "three times, {} env steps per visit, {} seeds, every method at lr 1e-3;",
        lambda: f"{j(f'{EX}/minatar/results.json', 'env_steps_per_segment'):,}",
        lambda: str(j(f"{EX}/minatar/results.json", "seeds"))),
  ]
