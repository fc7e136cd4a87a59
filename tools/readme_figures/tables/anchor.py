"""The generated tables of docs/anchor.md: a misordered chain, the anchor's drift."""

from __future__ import annotations

from tools.readme_figures.formats import f4, g3
from tools.readme_figures.results import BENCH, anchor_case, j, misorder_row

MISORDER_CASES = (
    ("trac last (clip before)", "`chain(clip_by_global_norm(0.1), trac(adam))`: the documented order"),
    ("clip_by_global_norm(0.1) after", "`chain(trac(adam), clip_by_global_norm(0.1))`"),
    ("clip(1e-4) after", "`chain(trac(adam), clip(1e-4))`"),
    ("add_decayed_weights(1e-3) after", "`chain(trac(adam), add_decayed_weights(1e-3))`"),
    ("instead: trac(adamw(weight_decay=1e-3))", "instead: `trac(adamw(lr, weight_decay=1e-3))`"),
    ("scale_by_schedule(1 -> 0) after", "`chain(trac(adam), scale_by_schedule(1 → 0))`"),
    ("instead: trac(adam(schedule))", "instead: `trac(adam(schedule))`"),
    ("mechanize(trac(adam))", "`contrib.mechanize(trac(adam))`, a second tuner around"),
)


def misorder_table() -> str:
  """Each misordering beside its remedy, implied and stored reference (misorder.json)."""
  steps = j(f"{BENCH}/misorder.json", "settings", "steps")
  lines = [f"| chain | anchor error at step {steps} | S | loss | `anchor_drift` (warns?) | "
           "stored reference: anchor error | S | loss |", "|---" * 8 + "|"]
  for case, text in MISORDER_CASES:
    cells = []
    for reference in ("implied", "stored"):
      r = misorder_row(case, reference)
      cells += [g3(r["anchor_error_at"][str(steps)]), g3(r["final_S"]), f4(r["final_loss"])]
      if reference == "implied":
        cells.append(f"{g3(r['anchor_drift'])} ({'yes' if r['warns'] else 'no'})")
    lines.append(f"| {text} | " + " | ".join(cells) + " |")
  return "\n".join(lines)



def anchor_table() -> str:
  """How far the anchor drifts over 1e4 steps, implied and stored (anchor.json)."""
  lines = ["| params | after `trac` | implied (default), 1e3 / 1e4 steps | stored, 1e3 / 1e4 steps |",
           "|---|---|---|---|"]
  for dtype in ("float32", "bfloat16"):
    for after, text in (("none", "nothing (`trac` last)"),
                        ("decay_1e-4", "`add_decayed_weights(1e-4)`")):
      cells = []
      for reference in ("implied", "stored"):
        at = anchor_case(dtype, reference, after)["at_step"]
        cells.append(f"{g3(at['1000']['relative'])} / {g3(at['10000']['relative'])}")
      lines.append(f"| {dtype} | {text} | " + " | ".join(cells) + " |")
  return "\n".join(lines)
