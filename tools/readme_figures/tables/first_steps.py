"""The generated tables of docs/first_steps.md: how TRAC starts (startup.json)."""

from __future__ import annotations

from typing import Sequence

from tools.readme_figures.formats import f4, g3, lr_text, steps_text
from tools.readme_figures.results import BENCH, fine_tune_row, j, startup_row, warm_row

STARTUP_LRS = (1e-4, 1e-3, 1e-2)
STARTUP_S_PREVS = (1e-8, 1e-6, 1e-4, 1e-2)
INNER_TEXT = {"adam": "adam", "adamw": "adamw (weight decay 1e-2)", "sgd": "sgd (momentum 0.9)"}


def startup_table(inners: Sequence[str]) -> str:
  """Steps for S to reach 0.1 and 1, per inner, lr and s_prev (startup.json, the grid)."""
  steps = j(f"{BENCH}/startup.json", "settings", "steps")
  lines = ["| inner, lr | " + " | ".join(f"s_prev {lr_text(s)}" for s in STARTUP_S_PREVS)
           + f" | S at step {steps} (s_prev 1e-8) |",
           "|---" * (len(STARTUP_S_PREVS) + 2) + "|"]
  for inner in inners:
    for lr in STARTUP_LRS:
      cells = []
      for s_prev in STARTUP_S_PREVS:
        r = startup_row(inner, lr, s_prev)
        cells.append(f"{steps_text(r['steps_to_S_0.1'])} / {steps_text(r['steps_to_S_1'])}")
      s_end = startup_row(inner, lr, 1e-8)["S_at"][str(steps)]
      lines.append(f"| {INNER_TEXT[inner]}, {lr_text(lr)} | " + " | ".join(cells)
                   + f" | {g3(s_end)} |")
  return "\n".join(lines)


def startup_loss_table() -> str:
  """Held-out loss of trac(adam) at a few steps per lr and s_prev, beside adam alone."""
  at = ("10", "50", "100", "1000")
  lines = ["| adam lr | run | " + " | ".join(f"loss at step {t}" for t in at) + " |",
           "|---" * (len(at) + 2) + "|"]
  for lr in STARTUP_LRS:
    alone = startup_row("adam", lr, 1e-8)["inner_alone_loss_at"]
    lines.append(f"| {lr_text(lr)} | adam alone | " + " | ".join(f4(alone[t]) for t in at) + " |")
    for s_prev in STARTUP_S_PREVS:
      loss = startup_row("adam", lr, s_prev)["loss_at"]
      lines.append(f"| {lr_text(lr)} | trac, s_prev {lr_text(s_prev)} | "
                   + " | ".join(f4(loss[t]) for t in at) + " |")
    warm = warm_row(lr)
    lines.append(f"| {lr_text(lr)} | adam {warm['warm_steps']} steps, then trac | "
                 + " | ".join(f4(warm["loss_at"][t]) for t in at) + " |")
  return "\n".join(lines)


FINE_TUNE_ORDER = ("adam", "trac, s_prev 1e-08", "trac, s_prev 0.0001", "trac, s_prev 0.01",
                   "adam 50 steps, then trac")


def fine_tune_table() -> str:
  """Fine-tuning a trained MLP on a shifted teacher (startup.json, fine_tune)."""
  ft = j(f"{BENCH}/startup.json", "fine_tune")
  at = ("10", "50", "100", "500")
  lines = ["| run | S reaches 0.1 at step | " + " | ".join(f"loss at step {t}" for t in at)
           + " |", "|---" * (len(at) + 2) + "|"]
  for method in FINE_TUNE_ORDER:
    r = fine_tune_row(method)
    name = method.replace("1e-08", "1e-8 (default)").replace("0.0001", "1e-4").replace(
        "0.01", "1e-2").replace("adam", f"adam({lr_text(ft['lr'])})", 1)
    reach = "-" if r["S_at"] is None else steps_text(r["steps_to_S_0.1"])
    lines.append(f"| {name} | {reach} | " + " | ".join(f4(r["loss_at"][t]) for t in at) + " |")
  return "\n".join(lines)
