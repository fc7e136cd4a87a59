"""The numbers of a lifelong RL run as plain data: what its tables, files and figures report.

A summary is a dict of lists, dicts, strings and floats (JSON-ready through
`examples.files.write_json`), computed in one pass from a grid's per-run
metrics: a seed's score on a segment (one task, or one visit of a game) and over
the whole run, raw or normalised by a fixed per-game yardstick
(`examples.scoring`), their intervals over seeds (`examples.stats`), and the
plasticity-loss test of sequences that come back to a task
(`examples.plasticity_loss`). `examples.tables` and `examples.figures` read a
summary (through `examples.summary_fields`); this module reads nothing of theirs.
Continual supervised runs have their own, `examples.summary_supervised`.
"""

from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

import numpy as np

from examples import plasticity, scoring, stats
from examples.methods import with_role
from examples.plasticity_loss import plasticity_test
from examples.summary_fields import method_label, yardstick_bounds
from examples.tasks import Schedule

if TYPE_CHECKING:
  from examples.grid import Grid

def segment_name(task_names: Sequence[str], seg, cycles: int) -> str:
  """"level 3", or "Breakout c2" for the second visit of a game when there are cycles."""
  name = task_names[seg.task].removesuffix("-MinAtar")
  return f"{name} c{seg.visit + 1}" if cycles > 1 else name


def summarize(grid: "Grid", task_names: Sequence[str], title: str,
              schedule: Schedule, averaging: str = "updates",
              yardstick: Optional[Mapping[str, Mapping[str, Any]]] = None) -> dict[str, Any]:
  """Everything the tables, files and figures of a lifelong RL run report, as plain data.

  Args:
    grid: the metrics of every method, setting and seed.
    task_names: the name of each task, in task order.
    title: what the tasks are (`TaskSet.name`).
    schedule: the schedule the grid was trained on.
    averaging: how a segment's return averages its episodes, "updates" (the
      published score) or "episodes"; see `examples.stats`.
    yardstick: per task name, {"random": R_random, "reference": R_ref, ...} (see
      `examples.yardstick.for_tasks`): scores are then also normalised,
      (R - R_random) / (R_ref - R_random), and ranked by that. None: raw returns.

  Returns:
    A dict with "segments", "methods" (per method: settings, whole-run means,
    best, median, spread), "rows" (every setting x segment and whole run, with
    per-seed values), "plasticity" (the plasticity-loss test, on sequences that
    come back to a task), "diagnostics_at_segment_end" and the yardstick.
  """
  segments = schedule.segments()
  seg_returns = {name: scoring.segment_scores(m, schedule, averaging)
                 for name, m in grid.metrics.items()}
  normalized = {name: None for name in seg_returns}
  if yardstick is not None:
    r_random, r_ref = yardstick_bounds(yardstick, task_names)
    normalized = {name: scoring.normalize(r, schedule, r_random, r_ref)
                  for name, r in seg_returns.items()}
  score_kind = "normalized" if yardstick is not None else "return"
  scores = {name: normalized[name] if yardstick is not None else r
            for name, r in seg_returns.items()}

  rows, methods, diagnostics = [], {}, []
  for name, returns in seg_returns.items():
    settings = grid.configs[name]
    whole = scoring.whole_run(returns)  # [seeds, settings]
    whole_norm = None if normalized[name] is None else scoring.whole_run(normalized[name])
    score = whole_norm if whole_norm is not None else whole
    best, median = scoring.rank_settings(score)
    score_mean, _ = stats.mean_se(score)
    methods[name] = {
        "label": method_label(name),
        "settings": settings,
        "configurations": len(settings),
        "score": score_kind,
        "whole_run": [float(v) for v in score_mean],
        "best": best,
        "median": median,
        "spread": scoring.spread(score),
    }
    for j, setting in enumerate(settings):
      columns = [(i, seg) for i, seg in enumerate(segments)] + [("all", None)]
      raw_seeds = np.column_stack([returns[:, j], whole[:, j]])  # [seeds, columns]
      raw = stats.interval_estimates(raw_seeds)
      if whole_norm is not None:
        norm_seeds = np.column_stack([normalized[name][:, j], whole_norm[:, j]])
        norm = stats.interval_estimates(norm_seeds)
      for c, (i, seg) in enumerate(columns):
        per_seed = raw_seeds[:, c]
        row = {
            "method": name, "setting": j, **{f"hp_{k}": v for k, v in setting.items()},
            "segment": i, "task": "all" if seg is None else task_names[seg.task],
            "visit": "all" if seg is None else seg.visit + 1,
            **_estimates(raw, c, ""), "seeds": int(per_seed.shape[0]),
            "per_seed": [float(v) for v in per_seed],
        }
        if whole_norm is not None:
          row.update({**_estimates(norm, c, "norm_"),
                      "norm_per_seed": [float(v) for v in norm_seeds[:, c]]})
        rows.append(row)
      ends = {d.key: scoring.at_segment_ends(grid.metrics[name][d.key][:, j], schedule)
              for d in plasticity.measured(grid.metrics[name])}
      for i, seg in enumerate(segments):
        diagnostics.append({
            "method": name, "setting": j, "segment": i, "task": task_names[seg.task],
            "visit": seg.visit + 1,
            **{key: _nanmean(value[:, i]) for key, value in ends.items()}})
  baseline = with_role("baseline", methods)
  for name, m in methods.items():  # P(a seed of `name` beats a seed of the baseline), best settings
    if baseline is not None and name != baseline:
      x, y = (scoring.whole_run(scores[n][:, methods[n]["best"]]) for n in (name, baseline))
      m["p_better_than_baseline"] = stats.probability_of_improvement(x, y)
  return {
      "tasks": title,
      "task_names": list(task_names),
      "segments": [{"task": task_names[s.task], "visit": s.visit + 1, "start": s.start,
                    "stop": s.stop, "name": segment_name(task_names, s, schedule.num_cycles)}
                   for s in segments],
      "yardstick": None if yardstick is None else {t: dict(yardstick[t]) for t in task_names},
      "score": score_kind,
      "averaging": averaging,
      "methods": methods,
      "rows": rows,
      "plasticity": plasticity_test(scores, methods, task_names, schedule),
      "diagnostics_at_segment_end": diagnostics,
  }


def _estimates(estimates: dict, column: int, prefix: str) -> dict[str, float]:
  """One column of `stats.interval_estimates` as a summary row's fields."""
  key = "normalized" if prefix else "mean_return"
  names = {key: "mean", f"{prefix}ci95_low": "mean_low", f"{prefix}ci95_high": "mean_high",
           f"{prefix}se": "se", f"{prefix}iqm": "iqm", f"{prefix}iqm_ci95_low": "iqm_low",
           f"{prefix}iqm_ci95_high": "iqm_high"}
  return {field: float(estimates[name][column]) for field, name in names.items()}


def add_tuning_cost(summary: dict, lr_from_adam: Sequence[str] = ()) -> dict:
  """Adds to each method how many settings it took to tune, and its expected best-of-k.

  Args:
    summary: from `summarize`; changed in place and returned.
    lr_from_adam: methods run at the learning rate found best for Adam, so that
      tuning them also took Adam's learning-rate sweep; their count includes it.

  Returns:
    `summary`, each method with "configurations_tried", "lr_from_adam" and
    "best_of_k" added.
  """
  adam = summary["methods"].get(with_role("baseline", summary["methods"]))
  for name, m in summary["methods"].items():
    borrowed = adam["configurations"] if name in lr_from_adam and adam else 0
    m["configurations_tried"] = m["configurations"] + borrowed
    m["lr_from_adam"] = bool(borrowed)
    m["best_of_k"] = [float(v) for v in stats.expected_best_of_k(m["whole_run"])]
  return summary


def _nanmean(x: np.ndarray) -> float:
  x = np.asarray(x, float)
  return float(np.mean(x[np.isfinite(x)])) if np.isfinite(x).any() else float("nan")
