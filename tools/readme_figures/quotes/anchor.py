"""The figures quoted in docs/anchor.md: what a misordered chain does (benchmarks.misorder)."""

from __future__ import annotations

from tools.readme_figures.formats import f1, f4, g3
from tools.readme_figures.quote import Quote, q
from tools.readme_figures.results import BENCH, j, misorder_row, step_row


def quotes() -> list[Quote]:
  """The quotes of docs/anchor.md."""
  A = "docs/anchor.md"
  return [
      q(A, "the anchor moves by {} of ‖θ₀‖ in {} steps",
        lambda: g3(misorder_row("add_decayed_weights(1e-3) after", "implied")["anchor_error_at"]["500"]),
        lambda: str(j(f"{BENCH}/misorder.json", "settings", "steps"))),
      q(A, "the loss ends at {} against {} for `trac(adamw(...))`",
        lambda: f4(misorder_row("add_decayed_weights(1e-3) after", "implied")["final_loss"]),
        lambda: f4(misorder_row("instead: trac(adamw(weight_decay=1e-3))", "implied")["final_loss"])),
      q(A, "S runs away to {}",
        lambda: g3(misorder_row("mechanize(trac(adam))", "implied")["final_S"])),
      q(A, "In the documented order the error is {} after {} steps",
        lambda: g3(misorder_row("trac last (clip before)", "implied")["anchor_error_at"]["500"]),
        lambda: str(j(f"{BENCH}/misorder.json", "settings", "steps"))),
      q(A, "moved the anchor by {} and left the loss as it was",
        lambda: g3(misorder_row("clip_by_global_norm(0.1) after", "implied")["anchor_error_at"]["500"])),
      q(A, "(S reaches {}) and the loss ends at {} against {} in the documented order",
        lambda: g3(misorder_row("clip(1e-4) after", "implied")["final_S"]),
        lambda: f4(misorder_row("clip(1e-4) after", "implied")["final_loss"]),
        lambda: f4(misorder_row("trac last (clip before)", "implied")["final_loss"])),
      q(A, "the stored reference takes the weight decay case to {}",
        lambda: f4(misorder_row("add_decayed_weights(1e-3) after", "stored")["final_loss"])),
      q(A, "Around a second tuner it does not help: S still reaches {}",
        lambda: g3(misorder_row("mechanize(trac(adam))", "stored")["final_S"])),
      q(A, "optimizer state {}x the param bytes with adam against {}x",
        lambda: f1(step_row(1, "trac_stored")["state_over_params"]),
        lambda: f1(step_row(1, "trac")["state_over_params"])),
  ]
