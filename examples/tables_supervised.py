"""The tables of a continual supervised run, in markdown, read from its summary
(`examples.summary_supervised`)."""

from examples import plasticity
from examples.summary_fields import setting_label
from examples.table_cells import estimate, probability, table


def supervised_score_table(summary: dict) -> str:
  """Per method: configurations, best and median setting with their whole-run scores.

  Args:
    summary: from `examples.summary_supervised.summarize_supervised`.

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
                  setting_label(summary, name, m["best"]), estimate(b), estimate(iqm),
                  setting_label(summary, name, m["median"]), estimate(m["median_whole_run"]),
                  probability(m.get("p_better_than_baseline"))])
    for label, shown in m["shown"].items():
      if label != "best":
        lines.append([f"{m['label']} ({label})", "1", str(m["seeds"]),
                      setting_label(summary, name, shown["setting"]),
                      estimate(shown["whole_run"]), "", "", "", ""])
  return table(header, lines, markdown=True)


def control_table(summary: dict) -> str:
  """The positive control: last K tasks against the first K and against the oracle.

  Args:
    summary: from `examples.summary_supervised.summarize_supervised`.

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
                  estimate(c["first"]), estimate(c["last"]), estimate(c["last_minus_first"]),
                  estimate(c["last_minus_oracle"]) if "last_minus_oracle" in c else "-",
                  probability(p)])
  return table(header, lines, markdown=True)


def supervised_diagnostics_table(summary: dict) -> str:
  """The diagnostics at the end of the first, middle and last task, best settings.

  Args:
    summary: from `examples.summary_supervised.summarize_supervised`.

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
  return table(header, lines, markdown=True)


def supervised_tables(summary: dict, about: str) -> str:
  """Every table of a continual supervised run in markdown, with headings.

  Args:
    summary: from `examples.summary_supervised.summarize_supervised`.
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
