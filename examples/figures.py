"""The figures of a lifelong RL run, drawn from its summary and curves into PNG files.

Each `plot_*` takes the path to write and plain data: a summary
(`examples.summary`) and, for curves, the per-update metrics of a grid. What a
figure computes itself is what only it shows: moving averages, means and
standard errors of curves over seeds. The house style is `examples.plotting`;
a supervised run's figures are `examples.figures_supervised`, the published
protocol's `examples.figures_published`.
"""

from typing import TYPE_CHECKING

import numpy as np

from examples import plasticity, plotting, scoring, stats
from examples.plotting import plt
from examples.summary_fields import (score_columns, seed_counts, setting_label,
                                     whole_run_label, whole_run_rows, yardstick_bounds)
from examples.tasks import Schedule

if TYPE_CHECKING:
  from examples.grid import Grid


def _shown_settings(summary: dict, name: str) -> list[int]:
  """All settings of a method when it has at most two, else only its best."""
  m = summary["methods"][name]
  return list(range(m["configurations"])) if m["configurations"] <= 2 else [m["best"]]


def _mark_segments(ax, summary: dict, steps_per_update: int, label: bool):
  for seg in summary["segments"][1:]:
    ax.axvline(seg["start"] * steps_per_update, color="gray", ls=":", lw=1)
  if label and len(summary["segments"]) > 1:
    for seg in summary["segments"]:
      ax.text((seg["start"] + seg["stop"]) / 2 * steps_per_update, 1.01, seg["name"],
              transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=7)


def _label(summary: dict, name: str, j: int, shown: int) -> str:
  label = summary["methods"][name]["label"]
  return label + (f", {setting_label(summary, name, j)}" if shown else "")


def plot_curves(path: str, grid: "Grid", summary: dict, schedule: Schedule,
                steps_per_update: int):
  """Return (normalised on game sequences) vs env steps, mean and SE over seeds.

  Args:
    path: the PNG to write.
    grid: the per-update metrics of every method, setting and seed.
    summary: from `examples.summary.summarize`.
    schedule: the schedule the grid was trained on.
    steps_per_update: env steps per update (the x axis).
  """
  steps = (np.arange(schedule.num_updates) + 1) * steps_per_update
  normalized = summary["yardstick"] is not None
  if normalized:  # each update's return on the yardstick of the task then in force
    r_random, r_ref = yardstick_bounds(summary["yardstick"], summary["task_names"])
  window = max(1, schedule.updates_per_task // 8)
  fig, ax = plt.subplots(figsize=(12, 4.4))
  for name, metrics in grid.metrics.items():
    shown = _shown_settings(summary, name)
    for j in shown:
      curves = metrics["return"][:, j]
      if normalized:
        curves = scoring.normalize_updates(curves, schedule, r_random, r_ref)
      mean, half = stats.mean_se(plotting.moving_average(curves, window))
      color = plotting.color(name, plotting.shade(shown.index(j), len(shown)))
      ax.plot(steps, mean, color=color, lw=1.5, label=_label(summary, name, j, len(shown) > 0))
      ax.fill_between(steps, mean - half, mean + half, color=color, alpha=0.15, lw=0)
  _mark_segments(ax, summary, steps_per_update, label=True)
  ax.set_ylabel("normalized score (0 = random, 1 = reference)" if normalized
                else "episode return")
  ax.set_xlabel("environment steps (dotted: task changes)")
  ax.set_title(f"{summary['tasks']}: mean ± one standard error over "
               f"{seed_counts(m['return'].shape[0] for m in grid.metrics.values())} seeds of a "
               f"{window}-update moving average (methods with more than two settings: best "
               "setting)", fontsize=9, pad=14)
  ax.grid(alpha=0.3)
  plotting.legend_outside(ax)
  plotting.save(fig, path)


def plot_diagnostics(path: str, grid: "Grid", summary: dict, schedule: Schedule,
                     steps_per_update: int):
  """The plasticity diagnostics after every update, each method at its best setting.

  Args:
    path: the PNG to write.
    grid: the per-update metrics; one panel per diagnostic of
      `examples.plasticity.DIAGNOSTICS` that some method measured.
    summary: from `examples.summary.summarize`.
    schedule: the schedule the grid was trained on.
    steps_per_update: env steps per update (the x axis).
  """
  steps = (np.arange(schedule.num_updates) + 1) * steps_per_update
  shown = [d for d in plasticity.DIAGNOSTICS
           if any(d.key in m and np.isfinite(m[d.key]).any() for m in grid.metrics.values())]
  fig, axes = plotting.diagnostics_axes(shown, 1.9, 12)
  for ax, d in zip(axes, shown):
    for name, metrics in grid.metrics.items():
      j = summary["methods"][name]["best"]
      mean, _ = stats.mean_se(metrics[d.key][:, j])
      ax.plot(steps, mean, color=plotting.color(name), lw=1.2, label=_label(summary, name, j, 1))
    _mark_segments(ax, summary, steps_per_update, label=ax is axes[0])
  plotting.legend_outside(axes[0])
  axes[-1].set_xlabel("environment steps (dotted: task changes); mean over seeds")
  plotting.save(fig, path)


def plot_sweep(path: str, summary: dict):
  """Whole-run score vs learning rate, one line per method (other settings: their best).

  Args:
    path: the PNG to write.
    summary: from `examples.summary.summarize`.
  """
  fig, ax = plt.subplots(figsize=(6, 4))
  whole = whole_run_rows(summary)
  key, low, high = score_columns(summary["score"] == "normalized")
  for name, m in summary["methods"].items():
    by_lr: dict = {}
    for j, setting in enumerate(m["settings"]):
      r = whole[(name, j)]
      if setting["lr"] not in by_lr or r[key] > by_lr[setting["lr"]][key]:
        by_lr[setting["lr"]] = r
    lrs = sorted(by_lr)
    if len(lrs) < 2:
      continue
    color = plotting.color(name)
    ax.plot(lrs, [by_lr[lr][key] for lr in lrs], "o-", color=color, label=m["label"])
    ax.fill_between(lrs, [by_lr[lr][low] for lr in lrs], [by_lr[lr][high] for lr in lrs],
                    color=color, alpha=0.15, lw=0)
  ax.set_xscale("log")
  _finish(fig, ax, path, summary, "learning rate", "mean and 95% bootstrap interval over seeds",
          legend_size=8)


def _finish(fig, ax, path: str, summary: dict, xlabel: str, title: str, legend_size: int):
  """Labels a whole-run-score figure against `xlabel`, titles it and saves it."""
  ax.set_xlabel(xlabel)
  ax.set_ylabel(whole_run_label(summary))
  ax.set_title(f"{summary['tasks']}: {title}", fontsize=9)
  ax.grid(alpha=0.3)
  ax.legend(fontsize=legend_size)
  plotting.save(fig, path)


def plot_tuning_cost(path: str, summary: dict, untuned: dict[str, int]):
  """Whole-run score against the number of settings tried (expected best of k).

  Args:
    path: the PNG to write.
    summary: from `examples.summary.summarize`, with `add_tuning_cost`.
    untuned: methods drawn as one point (TRAC at its default), name -> setting.
  """
  fig, ax = plt.subplots(figsize=(6.5, 4.2))
  whole = whole_run_rows(summary)
  key, low, high = score_columns(summary["score"] == "normalized")
  for name, m in summary["methods"].items():
    color = plotting.color(name)
    if name in untuned:
      r = whole[(name, untuned[name])]
      ax.errorbar([1], [r[key]], yerr=[[r[key] - r[low]], [r[high] - r[key]]], fmt="*",
                  ms=14, color=color, capsize=3,
                  label=f"{m['label']}, {setting_label(summary, name, untuned[name])} (default)")
      continue
    offset = m["configurations_tried"] - m["configurations"]
    k = np.arange(1, m["configurations"] + 1) + offset
    ax.plot(k, m["best_of_k"], "o-", color=color, ms=4, label=m["label"]
            + (" (lr from Adam's sweep)" if offset else ""))
  ax.set_xscale("log", base=2)
  _finish(fig, ax, path, summary, "settings tried (expected best of k drawn from the grid)",
          "tuning cost; mean over seeds", legend_size=7)


def plot_segments(path: str, summary: dict):
  """Each segment's (normalised) return, each method at its best setting, 95% intervals.

  Args:
    path: the PNG to write.
    summary: from `examples.summary.summarize`.
  """
  normalized = summary["score"] == "normalized"
  key, low, high = score_columns(normalized)
  rows = {(r["method"], r["setting"], r["segment"]): r for r in summary["rows"]}
  names = list(summary["methods"])
  segments = [s["name"] for s in summary["segments"]] + ["whole run"]
  width = 0.8 / len(names)
  fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(segments) + 2), 4.2))
  for i, name in enumerate(names):
    m = summary["methods"][name]
    cells = [rows[(name, m["best"], j if j < len(segments) - 1 else "all")]
             for j in range(len(segments))]
    mean = np.asarray([c[key] for c in cells], float)
    err = np.abs(np.asarray([[c[key] - c[low], c[high] - c[key]] for c in cells], float).T)
    x = np.arange(len(segments)) + (i - (len(names) - 1) / 2) * width
    ax.bar(x, mean, width, yerr=np.nan_to_num(err), capsize=2, color=plotting.color(name),
           label=_label(summary, name, m["best"], 1), error_kw={"lw": 0.8})
  if normalized:
    ax.axhline(1.0, color="gray", lw=1, ls="--")
    ax.axhline(0.0, color="gray", lw=1, ls=":")
  ax.set_xticks(np.arange(len(segments)))
  ax.set_xticklabels(segments, fontsize=7, rotation=30, ha="right")
  ax.set_ylabel("normalized score (0 = random, 1 = reference)" if normalized
                else "episode return")
  ax.set_title(f"{summary['tasks']}: mean and 95% bootstrap interval over seeds, each method "
               "at its best "
               "setting", fontsize=9)
  ax.grid(alpha=0.3, axis="y")
  ax.legend(fontsize=7)
  plotting.save(fig, path)
