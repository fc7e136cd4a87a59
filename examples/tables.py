"""The tables of a run, as plain text or markdown, read from its summary (`examples.summary`).

Cells are "mean [low, high]" with the 95% interval. Where the interval has no width
at the cell's precision, the cell takes one or two more digits ("0.113 [0.110,
0.116]", not "0.11"); the mean stands alone only where the interval is missing or
the seeds agree at that precision too.
"""

import math
from typing import Optional, Sequence

from examples import plasticity
from examples.methods import with_role
from examples.summary import score_columns, setting_label, whole_run_rows


def _fmt(mean: float, low: float, high: float, digits: int = 1, missing: str = "n/a") -> str:
  mean, low, high = (math.nan if v is None else v for v in (mean, low, high))  # JSON's null
  if not math.isfinite(mean):
    return missing
  if math.isfinite(low) and math.isfinite(high):
    for d in range(digits, digits + 3):
      if f"{low:.{d}f}" != f"{high:.{d}f}":  # the interval shows at this precision
        return f"{mean:.{d}f} [{low:.{d}f}, {high:.{d}f}]"
  return f"{mean:.{digits}f}"  # no interval, or seeds equal to digits + 2 places


def _estimate(e: dict, digits: int = 3) -> str:
  """An estimate of `examples.stats.interval_estimates` (one column): "mean [low, high]"."""
  return _fmt(e["mean"], e["mean_low"], e["mean_high"], digits, missing="-")


def _probability(p) -> str:
  return f"{p[0]:.2f} [{p[1]:.2f}, {p[2]:.2f}]" if p else "-"


def _table(header: Sequence[str], lines: Sequence[Sequence[str]], markdown: bool) -> str:
  if markdown:
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                     + ["| " + " | ".join(line) + " |" for line in lines])
  widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]
  fmt = lambda line: "  ".join(c.rjust(w) for c, w in zip(line, widths))
  return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(l) for l in lines])


def _diagnostic(d: plasticity.Diagnostic, value: Optional[float]) -> str:
  """A diagnostic's value in its format; "-" where it was not measured (NaN, or null in JSON)."""
  return f"{value:{d.digits}}" if value is not None and math.isfinite(value) else "-"


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
        _fmt(row[key], row[low], row[high], digits))
  lines = [[summary["methods"][name]["label"], setting_label(summary, name, j)] + c
           for (name, j), c in cells.items()]
  return _table(header, lines, markdown)


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
      return _estimate(entry[key], digits)
    return "(itself)" if key in ("oracle", "minus_oracle") and entry["method"] == oracle else "-"

  oracle = with_role("oracle", summary["methods"])

  lines = [[summary["methods"][e["method"]]["label"], e["task"].removesuffix("-MinAtar"),
            str(e["visit"]), cell(e, "first"), cell(e, "this"), cell(e, "minus_first"),
            cell(e, "oracle"), cell(e, "minus_oracle"), e.get("verdict", "")]
           for e in summary["plasticity"]]
  return _table(header, lines, markdown)


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
                  _fmt(best[key], best[low], best[high], digits),
                  _fmt(best[f"{prefix}se"], math.nan, math.nan, digits),
                  _fmt(best[f"{prefix}iqm"], best[f"{prefix}iqm_ci95_low"],
                       best[f"{prefix}iqm_ci95_high"], digits),
                  _probability(m.get("p_better_than_baseline"))
                  if name != with_role("baseline", summary["methods"]) else "(itself)",
                  setting_label(summary, name, m["median"]),
                  _fmt(median[key], median[low], median[high], digits),
                  _fmt(m['spread'], math.nan, math.nan, digits)])
  return _table(header, lines, markdown)


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
                 + [_diagnostic(d, r.get(d.key)) for d in shown])
  return _table(header, lines, markdown)


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


# ---------------------------------------------------------------------------
# Continual supervised runs (markdown)


def supervised_score_table(summary: dict) -> str:
  """Per method: configurations, best and median setting with their whole-run scores.

  Args:
    summary: from `examples.summary.summarize_supervised`.

  Returns:
    A markdown table, one line per method (and one per untuned setting shown).
  """
  header = ["method", "configurations", "seeds", "best setting", "best whole-run mean [95%]",
            "IQM [95%]", "median setting", "median whole-run mean [95%]",
            "P(best beats the baseline's best) [95%]"]
  lines = []
  for name, m in summary["methods"].items():
    b = m["best_whole_run"]
    iqm = {"mean": b["iqm"], "mean_low": b["iqm_low"], "mean_high": b["iqm_high"]}
    lines.append([m["label"], str(m["configurations"]), str(m["seeds"]),
                  setting_label(summary, name, m["best"]), _estimate(b), _estimate(iqm),
                  setting_label(summary, name, m["median"]), _estimate(m["median_whole_run"]),
                  _probability(m.get("p_better_than_baseline"))])
    for label, shown in m["shown"].items():
      if label != "best":
        lines.append([f"{m['label']} ({label})", "1", str(m["seeds"]),
                      setting_label(summary, name, shown["setting"]),
                      _estimate(shown["whole_run"]), "", "", "", ""])
  return _table(header, lines, markdown=True)


def control_table(summary: dict) -> str:
  """The positive control: last K tasks against the first K and against the oracle.

  Args:
    summary: from `examples.summary.summarize_supervised`.

  Returns:
    A markdown table, one line per method and setting of the control.
  """
  k = summary["window"]
  header = ["method, setting", f"first {k} tasks", f"last {k} tasks", "last - first [95%]",
            "last - oracle's last [95%]", "P(better than oracle, last tasks) [95%]"]
  lines = []
  for c in summary["control"]:
    p = c.get("p_better_than_oracle")
    lines.append([f"{summary['methods'][c['method']]['label']}, "
                  f"{setting_label(summary, c['method'], c['setting'])}",
                  _estimate(c["first"]), _estimate(c["last"]), _estimate(c["last_minus_first"]),
                  _estimate(c["last_minus_oracle"]) if "last_minus_oracle" in c else "-",
                  _probability(p)])
  return _table(header, lines, markdown=True)


def supervised_diagnostics_table(summary: dict) -> str:
  """The diagnostics at the end of the first, middle and last task, best settings.

  Args:
    summary: from `examples.summary.summarize_supervised`.

  Returns:
    A markdown table, one line per method and measured diagnostic.
  """
  n = summary["num_tasks"]
  tasks = sorted({0, n // 2, n - 1})
  labels = {d.key: d.label for d in plasticity.DIAGNOSTICS}
  header = ["method", "metric"] + [f"task {t}" for t in tasks]
  lines = []
  for d in summary["diagnostics"]:
    if d["per_task"] is not None:
      lines.append([summary["methods"][d["method"]]["label"], labels[d["metric"]]]
                   + [f"{d['per_task'][t]:.3g}" for t in tasks])
  return _table(header, lines, markdown=True)


def supervised_tables(summary: dict, about: str) -> str:
  """Every table of a continual supervised run in markdown, with headings.

  Args:
    summary: from `examples.summary.summarize_supervised`.
    about: ends the first heading (seeds, timing, command).

  Returns:
    The tables, separated by their headings.
  """
  better = "lower" if summary["lower_is_better"] else "higher"
  return "\n\n".join([
      f"**Whole run: mean over tasks of the {summary['measure']} ({better} is better), "
      f"mean over seeds [95% stratified-bootstrap interval]; {about}**",
      supervised_score_table(summary),
      f"**Positive control: the {summary['measure']} over the last {summary['window']} tasks "
      "against the first and against the reset oracle (paired by seed); Adam and TRAC at every "
      "setting, the others at their best**",
      control_table(summary),
      "**Diagnostics at the end of a task (best setting, mean over seeds)**",
      supervised_diagnostics_table(summary)])
