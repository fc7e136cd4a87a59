"""The tables of a lifelong run, as plain text or markdown, read from its summary (`examples.summary`).

The cells are `examples.table_cells`'; a supervised run's tables are
`examples.tables_supervised`.
"""

import math
from typing import Optional, Sequence

from examples import plasticity
from examples.methods import with_role
from examples.summary_fields import score_columns, setting_label, whole_run_rows
from examples.table_cells import diagnostic, estimate, interval_cell, probability, table


# ---------------------------------------------------------------------------
# Lifelong RL runs


def segment_table(summary: dict, normalized: bool = False, markdown: bool = False,
                  methods: Optional[Sequence[str]] = None) -> str:
  """Mean (normalised) return [95% interval] per segment and over the whole run.

  Args:
    summary: from `examples.summary.summarize`.
    normalized: the normalised scores instead of the raw returns.
    markdown: a markdown table instead of aligned plain text.
    methods: the methods to show (default: all).

  Returns:
    The table, one line per method and setting.
  """
  key, low, high = score_columns(normalized)
  digits = 2 if normalized else 1
  header = ["method", "setting"] + [s["name"] for s in summary["segments"]] + ["whole run"]
  cells: dict = {}
  for row in summary["rows"]:
    if methods is not None and row["method"] not in methods:
      continue
    cells.setdefault((row["method"], row["setting"]), []).append(
        interval_cell(row[key], row[low], row[high], digits))
  lines = [[summary["methods"][name]["label"], setting_label(summary, name, j)] + c
           for (name, j), c in cells.items()]
  return table(header, lines, markdown)


def plasticity_table(summary: dict, markdown: bool = False) -> str:
  """The plasticity-loss test: each task's visit k against visit 1 and against the oracle.

  Args:
    summary: from `examples.summary.summarize`, of a sequence that comes back to
      its tasks.
    markdown: a markdown table instead of aligned plain text.

  Returns:
    The table, one line per method (best setting), task and visit k >= 2:
    mean [95% stratified-bootstrap interval] over seeds, differences paired by seed.
  """
  digits = 2 if summary["score"] == "normalized" else 1
  header = ["method", "game", "visit", "visit 1", "this visit", "this - visit 1",
            "oracle (fresh network)", "this - oracle", "verdict (last visit)"]

  def cell(entry, key):
    if key in entry:
      return estimate(entry[key], digits)
    return "(itself)" if key in ("oracle", "minus_oracle") and entry["method"] == oracle else "-"

  oracle = with_role("oracle", summary["methods"])

  lines = [[summary["methods"][e["method"]]["label"], e["task"].removesuffix("-MinAtar"),
            str(e["visit"]), cell(e, "first"), cell(e, "this"), cell(e, "minus_first"),
            cell(e, "oracle"), cell(e, "minus_oracle"), e.get("verdict", "")]
           for e in summary["plasticity"]]
  return table(header, lines, markdown)


def best_table(summary: dict, markdown: bool = False) -> str:
  """Per method: its grid size, its best and its median setting with their whole-run scores.

  Args:
    summary: from `examples.summary.summarize`, with `add_tuning_cost`.
    markdown: a markdown table instead of aligned plain text.

  Returns:
    The table, one line per method.
  """
  whole = whole_run_rows(summary)
  key, low, high = score_columns(summary["score"] == "normalized")
  digits = 2 if summary["score"] == "normalized" else 1
  score = "normalized score" if summary["score"] == "normalized" else "return"
  header = ["method", "configurations", "seeds", "best setting", f"best whole-run {score}",
            "SE", "IQM [95%]", "P(beats Adam's best) [95%]", "median setting",
            f"median whole-run {score}", "spread (best - worst)"]
  prefix = "norm_" if summary["score"] == "normalized" else ""
  lines = []
  for name, m in summary["methods"].items():
    best, median = whole[(name, m["best"])], whole[(name, m["median"])]
    tried = str(m["configurations"])
    if m.get("lr_from_adam"):
      tried += f" + {m['configurations_tried'] - m['configurations']} (Adam's lr sweep)"
    lines.append([m["label"], tried, str(best["seeds"]), setting_label(summary, name, m["best"]),
                  interval_cell(best[key], best[low], best[high], digits),
                  interval_cell(best[f"{prefix}se"], math.nan, math.nan, digits),
                  interval_cell(best[f"{prefix}iqm"], best[f"{prefix}iqm_ci95_low"],
                       best[f"{prefix}iqm_ci95_high"], digits),
                  probability(m.get("p_better_than_baseline"))
                  if name != with_role("baseline", summary["methods"]) else "(itself)",
                  setting_label(summary, name, m["median"]),
                  interval_cell(median[key], median[low], median[high], digits),
                  interval_cell(m['spread'], math.nan, math.nan, digits)])
  return table(header, lines, markdown)


def diagnostics_table(summary: dict, settings: str = "best", markdown: bool = False) -> str:
  """The diagnostics at the end of each segment, each method at its best setting.

  Args:
    summary: from `examples.summary.summarize`.
    settings: "best" for each method's best setting only, anything else for all.
    markdown: a markdown table instead of aligned plain text.

  Returns:
    The table, one line per method and segment, one column per diagnostic of
    `examples.plasticity.DIAGNOSTICS` that the run measured.
  """
  rows = summary["diagnostics_at_segment_end"]
  shown = [d for d in plasticity.DIAGNOSTICS if any(d.key in r for r in rows)]
  header = ["method", "segment"] + [d.column for d in shown]
  lines = []
  for r in rows:
    m = summary["methods"][r["method"]]
    if settings == "best" and r["setting"] != m["best"]:
      continue
    lines.append([m["label"], summary["segments"][r["segment"]]["name"]]
                 + [diagnostic(d, r.get(d.key)) for d in shown])
  return table(header, lines, markdown)


def tables(summary: dict, about: str, markdown: bool = False) -> str:
  """Every table of a lifelong RL run, with its headings.

  Args:
    summary: from `examples.summary.summarize`, with `add_tuning_cost`.
    about: ends the first heading (seeds, timing, command).
    markdown: markdown tables and bold headings instead of plain text.

  Returns:
    The tables, separated by their headings.
  """
  normalized = summary["score"] == "normalized"
  score = "normalized score" if normalized else "return"
  heading = (lambda text: f"\n**{text}**\n") if markdown else (lambda text: f"\n{text}")
  averaged = ("mean over updates of each update's mean episode return"
              if summary["averaging"] == "updates"
              else "mean return of the episodes that ended in it")
  parts = [heading(f"Return per segment ({averaged}): mean [95% stratified-bootstrap "
                   f"interval] over {about}"),
           segment_table(summary, markdown=markdown)]
  if normalized:
    yardstick = "; ".join(
        f"{k.removesuffix('-MinAtar')} {v['random']:.3g} to {v['reference']:.3g}"
        for k, v in summary["yardstick"].items())
    parts += [heading("Normalized score, (R - R_random) / (R_ref - R_random), 0 = the "
                      f"random policy, 1 = the reference (R_random to R_ref: {yardstick})"),
              segment_table(summary, normalized=True, markdown=markdown)]
  if summary["plasticity"]:
    parts += [heading(f"Plasticity-loss test ({score}): each game's visit k against visit 1 "
                      "and against the reset oracle's visit k, paired by seed, mean [95%]"),
              plasticity_table(summary, markdown=markdown)]
  parts += [heading(f"Each method's best and median setting (by whole-run {score})"),
            best_table(summary, markdown=markdown),
            heading("Diagnostics at the end of each segment (best setting, mean over seeds)"),
            diagnostics_table(summary, markdown=markdown)]
  return "\n".join(parts)
