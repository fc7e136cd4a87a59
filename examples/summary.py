"""The numbers of a run as plain data: what the tables, files and figures report.

A summary is a dict of lists, dicts, strings and floats (JSON-ready through
`examples.files.write_json`), computed from a grid's per-run metrics with
`examples.stats`. `examples.tables` and `examples.figures` read a summary; this
module reads nothing of theirs.

Lifelong RL runs (`summarize`): a seed's score on a segment (one task, or one
visit of a game) and over the whole run, raw or normalised by a fixed per-game
yardstick, and the plasticity-loss test of sequences that come back to a task;
see `examples.stats`.

Continual supervised runs (`summarize_supervised`): a run's measure on a task
is the mean over the task's steps of the online measure (squared error, lower
is better; or accuracy). A seed's whole-run score is the mean over tasks.
Statistics are over seeds with rliable: means and IQMs with 95%
stratified-bootstrap intervals, and the probability of improvement. A method's
best and median settings are ranked by the mean whole-run score. The positive
control compares, per method at its best setting, the mean measure over the
last K tasks with that over the first K tasks of the same seeds (paired), and
with the last K tasks of the registry's "oracle" (the reset-at-task-change
oracle) at its best setting (paired by seed: the same tasks and initial network).
"""

from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

import numpy as np

from examples import plasticity, stats
from examples.methods import METHODS, with_role
from examples.tasks import Schedule

if TYPE_CHECKING:
  from examples.grid import Grid

# ---------------------------------------------------------------------------
# Lifelong RL runs


def segment_name(task_names: Sequence[str], seg, cycles: int) -> str:
  """"level 3", or "Breakout c2" for the second visit of a game when there are cycles."""
  name = task_names[seg.task].removesuffix("-MinAtar")
  return f"{name} c{seg.visit + 1}" if cycles > 1 else name


def method_label(name: str, setting: Optional[dict] = None) -> str:
  """A method's label, with its setting beyond the lr: "Adam + L2 to init (strength 0.001)"."""
  label = METHODS[name].label if name in METHODS else name
  extra = ", ".join(f"{k} {v:g}" for k, v in (setting or {}).items() if k != "lr")
  return f"{label} ({extra})" if extra else label


def yardstick_bounds(yardstick: Mapping[str, Mapping[str, Any]], task_names: Sequence[str]
                     ) -> tuple[list[float], list[float]]:
  """Per task, in task order, (R_random, R_ref) of a yardstick (`summarize`'s argument).

  Raises:
    ValueError: a task the yardstick has no reference for.
  """
  missing = [t for t in task_names if t not in yardstick]
  if missing:
    raise ValueError(f"the yardstick has no reference for {', '.join(missing)}")
  return ([yardstick[t]["random"] for t in task_names],
          [yardstick[t]["reference"] for t in task_names])


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
      `examples.minatar_reference.yardstick`): scores are then also normalised,
      (R - R_random) / (R_ref - R_random), and ranked by that. None: raw returns.

  Returns:
    A dict with "segments", "methods" (per method: settings, whole-run means,
    best, median, spread), "rows" (every setting x segment and whole run, with
    per-seed values), "plasticity" (the plasticity-loss test, on sequences that
    come back to a task), "diagnostics_at_segment_end" and the yardstick.
  """
  segments = schedule.segments()
  seg_returns = {name: stats.segment_scores(m, schedule, averaging)
                 for name, m in grid.metrics.items()}
  normalized = {name: None for name in seg_returns}
  if yardstick is not None:
    r_random, r_ref = yardstick_bounds(yardstick, task_names)
    normalized = {name: stats.normalize(r, schedule, r_random, r_ref)
                  for name, r in seg_returns.items()}
  score_kind = "normalized" if yardstick is not None else "return"
  scores = {name: normalized[name] if yardstick is not None else r
            for name, r in seg_returns.items()}

  rows, methods, diagnostics = [], {}, []
  for name, returns in seg_returns.items():
    settings = grid.configs[name]
    whole = stats.whole_run(returns)  # [seeds, settings]
    whole_norm = None if normalized[name] is None else stats.whole_run(normalized[name])
    score = whole_norm if whole_norm is not None else whole
    best, median = stats.rank_settings(score)
    score_mean, _ = stats.mean_se(score)
    methods[name] = {
        "label": method_label(name),
        "settings": settings,
        "configurations": len(settings),
        "score": score_kind,
        "whole_run": [float(v) for v in score_mean],
        "best": best,
        "median": median,
        "spread": stats.spread(score),
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
      ends = {d.key: stats.at_segment_ends(grid.metrics[name][d.key][:, j], schedule)
              for d in plasticity.measured(grid.metrics[name])}
      for i, seg in enumerate(segments):
        diagnostics.append({
            "method": name, "setting": j, "segment": i, "task": task_names[seg.task],
            "visit": seg.visit + 1,
            **{key: _nanmean(value[:, i]) for key, value in ends.items()}})
  baseline = with_role("baseline", methods)
  for name, m in methods.items():  # P(a seed of `name` beats a seed of the baseline), best settings
    if baseline is not None and name != baseline:
      x, y = (stats.whole_run(scores[n][:, methods[n]["best"]]) for n in (name, baseline))
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


def plasticity_test(scores: Mapping[str, np.ndarray], methods: Mapping[str, dict],
                    task_names: Sequence[str], schedule: Schedule,
                    reps: int = stats.BOOTSTRAP_REPS) -> list[dict]:
  """Does a method learn a task worse when it comes back to it? Per method (best setting),
  task and visit k >= 2, paired by seed (see `examples.stats.visit_differences`).

  Args:
    scores: per method, [seeds, settings, segments] (normalised) segment scores.
    methods: the summary's methods (their best settings).
    task_names: the name of each task.
    schedule: the schedule the scores were trained on.
    reps: bootstrap resamples per interval.

  Returns:
    One dict per method, task and visit k >= 2 (none when no task comes back):
    "first", "this" (visit 1 and visit k), "minus_first", with the oracle in the
    grid "oracle" (its visit k) and "minus_oracle", each a mean and IQM with
    95% stratified-bootstrap intervals; and "verdict" at the last visit: "worse
    than visit 1", "worse than a fresh network", both, or "no loss found".
  """
  oracle_name = with_role("oracle", scores)
  oracle = None if oracle_name is None else scores[oracle_name][:, methods[oracle_name]["best"]]
  out = []
  for name, score in scores.items():
    own = score[:, methods[name]["best"]]
    versus = None if name == oracle_name else oracle
    tests = stats.visit_differences(own, schedule, versus)
    last = {t["task"]: t["visit"] for t in tests}
    for t in tests:
      entry = {"method": name, "setting": methods[name]["best"],
               "task": task_names[t["task"]], "visit": t["visit"],
               "first": _interval(own[:, t["first_segment"]], reps),
               "this": _interval(own[:, t["segment"]], reps),
               "minus_first": _interval(t["minus_first"], reps)}
      if "minus_oracle" in t:
        entry["oracle"] = _interval(versus[:, t["segment"]], reps)
        entry["minus_oracle"] = _interval(t["minus_oracle"], reps)
      if t["visit"] == last[t["task"]]:
        entry["verdict"] = _verdict(entry)
      out.append(entry)
  return out


def _verdict(entry: dict) -> str:
  """What the last visit's intervals say: below visit 1 and/or below the oracle, or neither."""
  worse = [what for key, what in (("minus_first", "visit 1"),
                                  ("minus_oracle", "a fresh network"))
           if key in entry and entry[key]["mean_high"] < 0]
  return "worse than " + " and than ".join(worse) if worse else "no loss found"


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


def _interval(per_seed: np.ndarray, reps: int) -> dict:
  """Mean and IQM of [seeds] values with their 95% stratified-bootstrap intervals."""
  e = stats.interval_estimates(np.asarray(per_seed, float)[:, None], reps)
  return {k: float(v[0]) for k, v in e.items()}



# What tables and figures read from a summary.


def seed_counts(counts) -> str:
  """"6" when every method ran 6 seeds, "3-6" when they ran between 3 and 6."""
  counts = sorted(set(counts))
  return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def score_columns(normalized: bool) -> tuple[str, str, str]:
  """The row keys of the mean and its interval: normalised scores or raw returns."""
  if normalized:
    return "normalized", "norm_ci95_low", "norm_ci95_high"
  return "mean_return", "ci95_low", "ci95_high"


def whole_run_label(summary: dict) -> str:
  """What the whole-run score is, for an axis."""
  return "whole-run normalized score" if summary["score"] == "normalized" else "whole-run return"


def whole_run_rows(summary: dict) -> dict:
  """(method, setting) -> its whole-run row."""
  return {(r["method"], r["setting"]): r for r in summary["rows"] if r["segment"] == "all"}


def setting_label(summary: dict, name: str, j: int) -> str:
  """Setting j of a method (of either kind of summary), e.g. "lr 0.001, strength 0.01"."""
  setting = summary["methods"][name]["settings"][j]
  return ", ".join(f"{k} {v:g}" for k, v in setting.items())


# ---------------------------------------------------------------------------
# Continual supervised runs


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

