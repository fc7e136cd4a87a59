"""The numbers, tables and figures of a continual supervised grid (statistics: `examples.stats`).

A run's measure on a task is the mean over the task's steps of the online
measure (squared error, lower is better; or accuracy). A seed's whole-run
score is the mean over tasks. Statistics are over seeds with rliable: means and
IQMs with 95% stratified-bootstrap intervals, and the probability of
improvement. A method's best and median settings are ranked by the mean
whole-run score.

The positive control compares, per method at its best setting, the mean
measure over the last K tasks with that over the first K tasks of the same
seeds (paired), and with the last K tasks of the registry's "yardstick" (the
reset-at-task-change oracle) at its best setting (paired by seed: the same
tasks and initial network).
"""

import math
import textwrap
from typing import Optional, Sequence

import matplotlib

matplotlib.use("Agg")  # files only
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from examples import stats  # noqa: E402
from examples.methods import METHODS, with_role  # noqa: E402
from examples.supervised_train import SupervisedGrid  # noqa: E402

DIAGNOSTICS = ("dormant_0.0", "dormant_0.1", "param_norm", "distance_from_init", "scale")
DIAGNOSTIC_LABELS = {"dormant_0.0": "dormant units, tau = 0", "dormant_0.1": "dormant, tau = 0.1",
                     "param_norm": "|theta|", "distance_from_init": "|theta - theta_0|",
                     "scale": "TRAC's S"}


def _interval(per_seed: np.ndarray, reps: int) -> dict:
  """Mean and IQM of [seeds] values with their 95% stratified-bootstrap intervals."""
  e = stats.interval_estimates(np.asarray(per_seed, float)[:, None], reps)
  return {k: float(v[0]) for k, v in e.items()}


def summarize(grid: SupervisedGrid, measure: str, lower_is_better: bool, window: int,
              untuned: Optional[dict] = None, reps: int = stats.BOOTSTRAP_REPS) -> dict:
  """Everything the tables, files and figures report, as plain data.

  Args:
    grid: from `examples.supervised_train.run_grid`.
    measure: what the measure is ("online squared error", "online accuracy").
    lower_is_better: True for an error.
    window: K, the tasks at each end that the positive control compares.
    untuned: a setting (e.g. {"lr": 1e-3}) at which the registry's "untuned"
      method (TRAC) is reported beside its best; left out if not in its grid.
    reps: bootstrap resamples per interval.

  Returns:
    A dict with "methods" (per method: settings, whole-run means, best, median,
    per-task intervals of the best and untuned settings), "rows" (every
    setting x task and whole run, for the CSV), "control" and "diagnostics".
  """
  sign = -1.0 if lower_is_better else 1.0
  methods, rows, control, diagnostics = {}, [], [], []
  oracle, oracle_last = with_role("yardstick", grid.metrics), None
  untuned_name = with_role("untuned", grid.metrics)
  if oracle is not None:
    o = grid.metrics[oracle]["measure"]
    best_o, _ = stats.rank_settings(sign * o.mean(-1))
    oracle_last = o[:, best_o, -window:].mean(-1)
  for name, metrics in grid.metrics.items():
    per_task = metrics["measure"]  # [seeds, settings, tasks]
    whole = per_task.mean(-1)
    best, median = stats.rank_settings(sign * whole)
    settings = grid.configs[name]
    shown = {"best": best}
    if name == untuned_name and untuned in settings:
      shown["untuned"] = settings.index(untuned)
    methods[name] = {
        "label": METHODS[name].label, "settings": settings, "configurations": len(settings),
        "seeds": int(per_task.shape[0]), "best": best, "median": median,
        "whole_run": [float(v) for v in whole.mean(0)],
        "whole_run_per_seed": whole.T.tolist(),
        "best_whole_run": _interval(whole[:, best], reps),
        "median_whole_run": _interval(whole[:, median], reps),
        "shown": {label: {"setting": j, "whole_run": _interval(whole[:, j], reps),
                          "per_task": {k: v.tolist() for k, v in
                                       stats.interval_estimates(per_task[:, j], reps).items()}}
                  for label, j in shown.items()},
    }
    for j, setting in enumerate(settings):
      columns = stats.interval_estimates(np.column_stack([per_task[:, j], whole[:, j]]), reps)
      for c in range(per_task.shape[-1] + 1):
        rows.append({"method": name, "setting": j, **{f"hp_{k}": v for k, v in setting.items()},
                     "task": c if c < per_task.shape[-1] else "all",
                     **{k: float(v[c]) for k, v in columns.items()},
                     "seeds": int(per_task.shape[0])})
    # The baseline (Adam) and the untuned method (TRAC) at every setting, the others at their best.
    for j in (range(len(settings)) if METHODS[name].role in ("baseline", "untuned") else [best]):
      first, last = per_task[:, j, :window].mean(-1), per_task[:, j, -window:].mean(-1)
      entry = {"method": name, "setting": j, "first": _interval(first, reps),
               "last": _interval(last, reps), "last_minus_first": _interval(last - first, reps)}
      if oracle_last is not None and name != oracle:
        entry["last_minus_oracle"] = _interval(last - oracle_last, reps)
        entry["p_better_than_oracle"] = stats.probability_of_improvement(
            sign * last, sign * oracle_last, reps)
      control.append(entry)
    for key in DIAGNOSTICS:
      diagnostics.append({"method": name, "setting": best, "metric": key,
                          "per_task": np.nanmean(metrics[key][:, best], 0).tolist()
                          if np.isfinite(metrics[key][:, best]).any() else None})
  baseline = with_role("baseline", grid.metrics)
  for name, m in methods.items():  # P(best of `name` beats the baseline's best), whole run
    if baseline is not None and name != baseline:
      x, y = (np.asarray(methods[n]["whole_run_per_seed"][methods[n]["best"]]) for n in
              (name, baseline))
      m["p_better_than_baseline"] = stats.probability_of_improvement(sign * x, sign * y, reps)
  return {"measure": measure, "lower_is_better": lower_is_better, "window": window,
          "num_tasks": int(next(iter(grid.metrics.values()))["measure"].shape[-1]),
          "methods": methods, "rows": rows, "control": control, "diagnostics": diagnostics}


# ---------------------------------------------------------------------------
# Tables


def _fmt(e: dict, digits: int = 3) -> str:
  if not math.isfinite(e["mean"]):
    return "-"
  if not (math.isfinite(e["mean_low"]) and math.isfinite(e["mean_high"])):
    return f"{e['mean']:.{digits}f}"
  return f"{e['mean']:.{digits}f} [{e['mean_low']:.{digits}f}, {e['mean_high']:.{digits}f}]"


def _probability(p) -> str:
  return f"{p[0]:.2f} [{p[1]:.2f}, {p[2]:.2f}]" if p else "-"


def _markdown(header: Sequence[str], lines: Sequence[Sequence[str]]) -> str:
  return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                   + ["| " + " | ".join(line) + " |" for line in lines])


def _setting(summary: dict, name: str, j: int) -> str:
  return METHODS[name].describe(summary["methods"][name]["settings"][j])


def score_table(summary: dict) -> str:
  """Per method: configurations, best and median setting with their whole-run scores."""
  header = ["method", "configurations", "seeds", "best setting", "best whole-run mean [95%]",
            "IQM [95%]", "median setting", "median whole-run mean [95%]",
            "P(best beats the baseline's best) [95%]"]
  lines = []
  for name, m in summary["methods"].items():
    b = m["best_whole_run"]
    iqm = {"mean": b["iqm"], "mean_low": b["iqm_low"], "mean_high": b["iqm_high"]}
    lines.append([m["label"], str(m["configurations"]), str(m["seeds"]),
                  _setting(summary, name, m["best"]), _fmt(b), _fmt(iqm),
                  _setting(summary, name, m["median"]), _fmt(m["median_whole_run"]),
                  _probability(m.get("p_better_than_baseline"))])
    for label, shown in m["shown"].items():
      if label != "best":
        lines.append([f"{m['label']} ({label})", "1", str(m["seeds"]),
                      _setting(summary, name, shown["setting"]), _fmt(shown["whole_run"]),
                      "", "", "", ""])
  return _markdown(header, lines)


def control_table(summary: dict) -> str:
  """The positive control: last K tasks against the first K and against the oracle."""
  k = summary["window"]
  header = ["method, setting", f"first {k} tasks", f"last {k} tasks", "last - first [95%]",
            "last - oracle's last [95%]", "P(better than oracle, last tasks) [95%]"]
  lines = []
  for c in summary["control"]:
    p = c.get("p_better_than_oracle")
    lines.append([f"{summary['methods'][c['method']]['label']}, "
                  f"{_setting(summary, c['method'], c['setting'])}",
                  _fmt(c["first"]), _fmt(c["last"]), _fmt(c["last_minus_first"]),
                  _fmt(c["last_minus_oracle"]) if "last_minus_oracle" in c else "-",
                  _probability(p)])
  return _markdown(header, lines)


def diagnostics_table(summary: dict) -> str:
  """The diagnostics at the end of the first, middle and last task, best settings."""
  n = summary["num_tasks"]
  tasks = sorted({0, n // 2, n - 1})
  header = ["method", "metric"] + [f"task {t}" for t in tasks]
  lines = []
  for d in summary["diagnostics"]:
    if d["per_task"] is not None:
      lines.append([summary["methods"][d["method"]]["label"], DIAGNOSTIC_LABELS[d["metric"]]]
                   + [f"{d['per_task'][t]:.3g}" for t in tasks])
  return _markdown(header, lines)


def tables(summary: dict, about: str) -> str:
  """Every table of a run in markdown, with headings; `about` ends the first."""
  better = "lower" if summary["lower_is_better"] else "higher"
  return "\n\n".join([
      f"**Whole run: mean over tasks of the {summary['measure']} ({better} is better), "
      f"mean over seeds [95% stratified-bootstrap interval]; {about}**",
      score_table(summary),
      f"**Positive control: the {summary['measure']} over the last {summary['window']} tasks "
      "against the first and against the reset oracle (paired by seed); Adam and TRAC at every "
      "setting, the others at their best**",
      control_table(summary),
      "**Diagnostics at the end of a task (best setting, mean over seeds)**",
      diagnostics_table(summary)])


# ---------------------------------------------------------------------------
# Figures


def _color(name: str, shade: float = 0.75):
  return plt.get_cmap(METHODS[name].colormap)(shade)


def plot_curves(path: str, summary: dict, title: str):
  """The per-task measure of every method at its best setting (and TRAC untuned, dashed)."""
  fig, ax = plt.subplots(figsize=(9, 4.2))
  for name, m in summary["methods"].items():
    for label, shown in m["shown"].items():
      e = shown["per_task"]
      tasks = np.arange(1, len(e["mean"]) + 1)
      color = _color(name, 0.75 if label == "best" else 0.5)
      ax.plot(tasks, e["mean"], color=color, lw=1.5, ls="-" if label == "best" else "--",
              label=f"{m['label']}, {_setting(summary, name, shown['setting'])}"
                    + ("" if label == "best" else f" ({label})"))
      ax.fill_between(tasks, e["mean_low"], e["mean_high"], color=color, alpha=0.15, lw=0)
  ax.set_xlabel("task")
  ax.set_ylabel(summary["measure"])
  ax.set_title(textwrap.fill(f"{title}: mean and 95% bootstrap interval over seeds (best "
                             "setting of each method)", 100), fontsize=9)
  ax.grid(alpha=0.3)
  ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
  fig.tight_layout()
  fig.savefig(path, dpi=90, bbox_inches="tight")  # the legend sits outside the axes
  plt.close(fig)


def plot_diagnostics(path: str, summary: dict):
  """Dormant units, |theta|, |theta - theta_0| and TRAC's S at each task's end."""
  keys = [k for k in DIAGNOSTICS
          if any(d["metric"] == k and d["per_task"] is not None for d in summary["diagnostics"])]
  fig, axes = plt.subplots(len(keys), 1, sharex=True, figsize=(9, 1.7 * len(keys) + 0.6))
  for ax, key in zip(np.atleast_1d(axes), keys):
    for d in summary["diagnostics"]:
      if d["metric"] == key and d["per_task"] is not None:
        ax.plot(np.arange(1, len(d["per_task"]) + 1), d["per_task"], color=_color(d["method"]),
                lw=1.2, label=summary["methods"][d["method"]]["label"])
    if key == "scale":
      ax.set_yscale("log")
    ax.set_ylabel(DIAGNOSTIC_LABELS[key], fontsize=8)
    ax.grid(alpha=0.3)
  np.atleast_1d(axes)[0].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
  np.atleast_1d(axes)[-1].set_xlabel("task (value at its end; best setting, mean over seeds)")
  fig.tight_layout()
  fig.savefig(path, dpi=90, bbox_inches="tight")  # the legend sits outside the axes
  plt.close(fig)
