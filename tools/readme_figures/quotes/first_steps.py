"""The figures quoted in docs/first_steps.md: how TRAC starts (benchmarks.startup)."""

from __future__ import annotations

from tools.readme_figures.formats import f4
from tools.readme_figures.quote import Quote, q
from tools.readme_figures.results import BENCH, fine_tune_row, j, startup_row, warm_row


def quotes() -> list[Quote]:
  """The quotes of docs/first_steps.md."""
  F = "docs/first_steps.md"
  su = lambda *a: startup_row(*a)
  return [
      q(F, "S reaches 0.1 after {} steps and 1 after {}", lambda: str(
          su("adam", 1e-4, 1e-8)["steps_to_S_0.1"]), lambda: str(su("adam", 1e-4, 1e-8)["steps_to_S_1"])),
      q(F, "at step 50 its loss is {} against adam's {}",
        lambda: f4(su("adam", 1e-3, 1e-8)["loss_at"]["50"]),
        lambda: f4(su("adam", 1e-3, 1e-8)["inner_alone_loss_at"]["50"])),
      q(F, "by step 1000 it is {} against {}",
        lambda: f4(su("adam", 1e-3, 1e-8)["loss_at"]["1000"]),
        lambda: f4(su("adam", 1e-3, 1e-8)["inner_alone_loss_at"]["1000"])),
      q(F, "`s_prev=1e-2` puts S at 0.1 from the first step (loss at step 50: {})",
        lambda: f4(su("adam", 1e-3, 1e-2)["loss_at"]["50"])),
      q(F, "loss at step 10 is {} with `s_prev=1e-2` against adam's {}",
        lambda: f4(fine_tune_row("trac, s_prev 0.01")["loss_at"]["10"]),
        lambda: f4(fine_tune_row("adam")["loss_at"]["10"])),
      q(F, "and {} with the default (the loss before: {})",
        lambda: f4(fine_tune_row("trac, s_prev 1e-08")["loss_at"]["10"]),
        lambda: f4(j(f"{BENCH}/startup.json", "fine_tune", "loss_before"))),
      q(F, "after 500 steps {} against adam's {}",
        lambda: f4(fine_tune_row("trac, s_prev 0.01")["loss_at"]["500"]),
        lambda: f4(fine_tune_row("adam")["loss_at"]["500"])),
      q(F, "the warm start ends at {} (lr 1e-3, step 1000) against {} for a cold start",
        lambda: f4(warm_row(1e-3)["loss_at"]["1000"]),
        lambda: f4(su("adam", 1e-3, 1e-8)["loss_at"]["1000"])),
  ]
