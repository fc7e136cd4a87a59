"""The numbers of a continual supervised run as plain data: what its tables and figures report.

A run's measure on a task is the mean over the task's steps of the online
measure (squared error, lower is better; or accuracy). A seed's whole-run score
is the mean over tasks. Statistics are over seeds with rliable (`examples.stats`):
means and IQMs with 95% stratified-bootstrap intervals, and the probability of
improvement. A method's best and median settings are ranked by the mean
whole-run score. The positive control compares, per method at its best setting,
the mean measure over the last K tasks with that over the first K tasks of the
same seeds (paired), and with the last K tasks of the registry's "oracle" (the
reset-at-task-change oracle) at its best setting (paired by seed: the same tasks
and initial network).
"""

from typing import TYPE_CHECKING, Optional

import numpy as np

from examples import plasticity, scoring, stats
from examples.methods import METHODS, with_role

if TYPE_CHECKING:
  from examples.grid import Grid


def summarize_supervised(grid: "Grid", measure: str, lower_is_better: bool,
                         window: int, untuned: Optional[dict] = None,
                         reps: int = stats.BOOTSTRAP_REPS) -> dict:
  """Everything the tables, files and figures of a continual supervised run report.

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
  oracle, oracle_last = with_role("oracle", grid.metrics), None
  untuned_name = with_role("untuned", grid.metrics)
  if oracle is not None:
    o = grid.metrics[oracle]["measure"]
    best_o, _ = scoring.rank_settings(sign * o.mean(-1))
    oracle_last = o[:, best_o, -window:].mean(-1)
  for name, metrics in grid.metrics.items():
    per_task = metrics["measure"]  # [seeds, settings, tasks]
    whole = per_task.mean(-1)
    best, median = scoring.rank_settings(sign * whole)
    settings = grid.configs[name]
    shown = {"best": best}
    if name == untuned_name and untuned in settings:
      shown["untuned"] = settings.index(untuned)
    methods[name] = {
        "label": METHODS[name].label, "settings": settings, "configurations": len(settings),
        "seeds": int(per_task.shape[0]), "best": best, "median": median,
        "whole_run": [float(v) for v in whole.mean(0)],
        "whole_run_per_seed": whole.T.tolist(),
        "best_whole_run": stats.interval(whole[:, best], reps),
        "median_whole_run": stats.interval(whole[:, median], reps),
        "shown": {label: {"setting": j, "whole_run": stats.interval(whole[:, j], reps),
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
      entry = {"method": name, "setting": j, "first": stats.interval(first, reps),
               "last": stats.interval(last, reps),
               "last_minus_first": stats.interval(last - first, reps)}
      if oracle_last is not None and name != oracle:
        entry["last_minus_oracle"] = stats.interval(last - oracle_last, reps)
        entry["p_better_than_oracle"] = stats.probability_of_improvement(
            sign * last, sign * oracle_last, reps)
      control.append(entry)
    for d in plasticity.measured(metrics):
      diagnostics.append({"method": name, "setting": best, "metric": d.key,
                          "per_task": np.nanmean(metrics[d.key][:, best], 0).tolist()
                          if np.isfinite(metrics[d.key][:, best]).any() else None})
  baseline = with_role("baseline", grid.metrics)
  for name, m in methods.items():  # P(best of `name` beats the baseline's best), whole run
    if baseline is not None and name != baseline:
      x, y = (np.asarray(methods[n]["whole_run_per_seed"][methods[n]["best"]]) for n in
              (name, baseline))
      m["p_better_than_baseline"] = stats.probability_of_improvement(sign * x, sign * y, reps)
  return {"measure": measure, "lower_is_better": lower_is_better, "window": window,
          "num_tasks": int(next(iter(grid.metrics.values()))["measure"].shape[-1]),
          "methods": methods, "rows": rows, "control": control, "diagnostics": diagnostics}
