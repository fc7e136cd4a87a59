"""The figures quoted in docs/learning_rate.md: how S scales the inner learning rate.

From the first-steps grid (benchmarks.startup), the published protocol at three learning
rates (examples/results/published_cartpole_lr, published_cartpole) and the short-budget grids.
"""

from __future__ import annotations

from tools.readme_figures.formats import f2, g3, pm
from tools.readme_figures.quote import Quote, q
from tools.readme_figures.results import (EX, first, md_cell, published_cell, startup_row,
                                          trac_scale_at_level_end)
from tools.readme_figures.tables.first_steps import STARTUP_LRS


def quotes() -> list[Quote]:
  """The quotes of docs/learning_rate.md."""
  L = "docs/learning_rate.md"
  su = lambda *a: startup_row(*a)
  return [
      q(L, "S at step 1000 is {}, {} and {} at lr 1e-4, 1e-3 and 1e-2",
        *(lambda lr=lr: g3(su("adam", lr, 1e-8)["S_at"]["1000"]) for lr in STARTUP_LRS)),
      q(L, "(lr x S: {}, {} and {})",
        *(lambda lr=lr: f"{lr * su('adam', lr, 1e-8)['S_at']['1000']:.1e}" for lr in STARTUP_LRS)),
      q(L, "TRAC scores {}, {} and {} at lr 1e-4, 1e-3 and 1e-2",
        lambda: first(md_cell(f"{EX}/published_cartpole_lr/tables.md",
                              ("TRAC(Adam)", "lr 0.0001"), "whole run")),
        lambda: pm(published_cell("CartPole-v1", "trac@c_chain")).split(" ±")[0],
        lambda: first(md_cell(f"{EX}/published_cartpole_lr/tables.md",
                              ("TRAC(Adam)", "lr 0.01"), "whole run"))),
      q(L, "Adam's best of the three, {} at lr 1e-4,",
        lambda: first(md_cell(f"{EX}/published_cartpole_lr/tables.md",
                              ("Adam", "lr 0.0001"), "whole run"))),
      q(L, "S at the end of the first level is {}, {} and {}",
        lambda: f2(trac_scale_at_level_end("published_cartpole_lr", 0, 0)),
        lambda: f2(trac_scale_at_level_end("published_cartpole", 0, 0)),
        lambda: f"{trac_scale_at_level_end('published_cartpole_lr', 1, 0):.3f}"),
      q(L, "TRAC's best lr was 3e-3 on CartPole and Acrobot{}",
        lambda: "" if (md_cell(f"{EX}/cartpole/tables.md", ("TRAC(Adam)", "4"), "best setting"),
                       md_cell(f"{EX}/acrobot/tables.md", ("TRAC(Adam)", "4"), "best setting"))
        == ("lr 0.003", "lr 0.003") else "MISMATCH"),
      q(L, "on CartPole its four learning rates score within {} return points of each other",
        lambda: md_cell(f"{EX}/cartpole/tables.md", ("TRAC(Adam)", "4"), "spread (best - worst)")),
  ]
