"""Every figure of the examples, drawn from a run's summary and curves into PNG files.

The only module of `examples` that imports matplotlib. Each `plot_*` takes the
path to write and plain data: a summary (`examples.summary`), the per-update
metrics of a grid, or the seeds' scores a CLI picked. What a figure computes
itself is what only it shows: moving averages, means and standard errors of
curves over seeds, performance profiles.
"""

import io
import textwrap
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402  (matplotlib's own dependency)

from examples import plasticity, stats  # noqa: E402
from examples.methods import METHODS  # noqa: E402
from examples.summary import (method_label, score_columns, seed_counts,  # noqa: E402
                              setting_label, whole_run_label, whole_run_rows,
                              yardstick_bounds)
from examples.tasks import Schedule  # noqa: E402

if TYPE_CHECKING:
  from examples.grid import Grid


def _save(fig, path: str, dpi: int = 110, palette: bool = True):
  """Writes and closes `fig`.

  Args:
    fig: the figure.
    path: the PNG to write.
    dpi: its resolution.
    palette: reduce it to a 128-colour palette (about 3x smaller); else a
      full-colour PNG cropped to what it draws (a legend outside the axes
      included).
  """
  fig.tight_layout()
  if not palette:
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return
  buffer = io.BytesIO()
  fig.savefig(buffer, dpi=dpi)
  plt.close(fig)
  image = PIL.Image.open(buffer).convert("RGB")
  image.quantize(colors=128, method=PIL.Image.Quantize.MEDIANCUT).save(path, optimize=True)


def _smooth(x: np.ndarray, window: int) -> np.ndarray:
  """Trailing moving average along the last axis, ignoring NaNs."""
  valid = np.isfinite(x)
  total = np.cumsum(np.where(valid, x, 0.0), axis=-1)
  count = np.cumsum(valid, axis=-1)
  total[..., window:] = total[..., window:] - total[..., :-window]
  count[..., window:] = count[..., window:] - count[..., :-window]
  with np.errstate(all="ignore"):
    return total / count


def _shade(j: int, n: int) -> float:
  """The shade of the j-th of n settings of a method drawn together."""
  return 0.75 if n == 1 else 0.45 + 0.5 * j / (n - 1)


def _color(name: str, shade: float = 0.75):
  """A method's colour (its registry colormap, grey if it has none) at `shade`."""
  colormap = METHODS[name].colormap if name in METHODS else "Greys"
  return plt.get_cmap(colormap)(shade)


def _diagnostics_axes(shown: list, height: float, width: float):
  """One row of axes per diagnostic, sharing the x axis, each labelled and scaled."""
  fig, axes = plt.subplots(len(shown), 1, sharex=True, figsize=(width, height * len(shown) + 0.6))
  axes = np.atleast_1d(axes)
  for ax, d in zip(axes, shown):
    if d.log:
      ax.set_yscale("log")
    ax.set_ylabel(d.label, fontsize=8)
    ax.grid(alpha=0.3)
  return fig, axes


# ---------------------------------------------------------------------------
# Lifelong RL runs


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


def _legend_outside(ax):
  """The legend to the right of the axes, where it hides no curve."""
  ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


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
        curves = stats.normalize_updates(curves, schedule, r_random, r_ref)
      mean, half = stats.mean_se(_smooth(curves, window))
      color = _color(name, _shade(shown.index(j), len(shown)))
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
  _legend_outside(ax)
  _save(fig, path)


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
  fig, axes = _diagnostics_axes(shown, 1.9, 12)
  for ax, d in zip(axes, shown):
    for name, metrics in grid.metrics.items():
      j = summary["methods"][name]["best"]
      mean, _ = stats.mean_se(metrics[d.key][:, j])
      ax.plot(steps, mean, color=_color(name), lw=1.2, label=_label(summary, name, j, 1))
    _mark_segments(ax, summary, steps_per_update, label=ax is axes[0])
  _legend_outside(axes[0])
  axes[-1].set_xlabel("environment steps (dotted: task changes); mean over seeds")
  _save(fig, path)


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
    color = _color(name)
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
  _save(fig, path)


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
    color = _color(name)
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
    ax.bar(x, mean, width, yerr=np.nan_to_num(err), capsize=2, color=_color(name),
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
  _save(fig, path)


# ---------------------------------------------------------------------------
# Continual supervised runs


def plot_supervised_curves(path: str, summary: dict, title: str):
  """The per-task measure of every method at its best setting (and TRAC untuned, dashed).

  Args:
    path: the PNG to write.
    summary: from `examples.summary.summarize_supervised`.
    title: what the benchmark is; starts the figure's title.
  """
  fig, ax = plt.subplots(figsize=(9, 4.2))
  for name, m in summary["methods"].items():
    for label, shown in m["shown"].items():
      e = shown["per_task"]
      tasks = np.arange(1, len(e["mean"]) + 1)
      color = _color(name, 0.75 if label == "best" else 0.5)
      ax.plot(tasks, e["mean"], color=color, lw=1.5, ls="-" if label == "best" else "--",
              label=f"{m['label']}, {setting_label(summary, name, shown['setting'])}"
                    + ("" if label == "best" else f" ({label})"))
      ax.fill_between(tasks, e["mean_low"], e["mean_high"], color=color, alpha=0.15, lw=0)
  ax.set_xlabel("task")
  ax.set_ylabel(summary["measure"])
  ax.set_title(textwrap.fill(f"{title}: mean and 95% bootstrap interval over seeds (best "
                             "setting of each method)", 100), fontsize=9)
  ax.grid(alpha=0.3)
  ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
  _save(fig, path, dpi=90, palette=False)


def plot_supervised_diagnostics(path: str, summary: dict):
  """The diagnostics at each task's end, each method at its best setting.

  Args:
    path: the PNG to write.
    summary: from `examples.summary.summarize_supervised`; one panel per
      diagnostic that some method measured.
  """
  measured = {d["metric"] for d in summary["diagnostics"] if d["per_task"] is not None}
  shown = [d for d in plasticity.DIAGNOSTICS if d.key in measured]
  fig, axes = _diagnostics_axes(shown, 1.7, 9)
  for ax, diagnostic in zip(axes, shown):
    for d in summary["diagnostics"]:
      if d["metric"] == diagnostic.key and d["per_task"] is not None:
        ax.plot(np.arange(1, len(d["per_task"]) + 1), d["per_task"], color=_color(d["method"]),
                lw=1.2, label=summary["methods"][d["method"]]["label"])
  axes[0].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
  axes[-1].set_xlabel("task (value at its end; best setting, mean over seeds)")
  _save(fig, path, dpi=90, palette=False)


# ---------------------------------------------------------------------------
# The published protocol beside the published table


def plot_profiles(path: str, chosen: dict[str, dict[str, dict]], lr: float):
  """Performance profiles per environment: the fraction of seeds scoring above tau.

  Args:
    path: the PNG to write.
    chosen: {env: {method: {"per_seed": [seeds] whole-run scores, ...}}}, one
      setting per method.
    lr: the learning rate of the chosen settings, for the titles.
  """
  fig, axes = plt.subplots(1, len(chosen), figsize=(5.2 * len(chosen), 3.8), squeeze=False)
  for ax, (env, methods) in zip(axes[0], chosen.items()):
    values = np.concatenate([v["per_seed"] for v in methods.values()])
    taus = np.linspace(np.nanmin(values), np.nanmax(values), 101)
    profiles, bands = stats.performance_profile(
        {k: v["per_seed"] for k, v in methods.items()}, taus)
    for name in methods:
      color = _color(name)
      ax.plot(taus, profiles[name], color=color, lw=1.6, label=method_label(name))
      ax.fill_between(taus, bands[name][0], bands[name][1], color=color, alpha=0.15, lw=0)
    ax.set_xlabel("whole-run score tau")
    ax.set_ylabel("fraction of seeds with score > tau")
    ax.set_title(f"{env}, lr {lr:g}: performance profile (95% bands)", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
  _save(fig, path)


def plot_published_curves(path: str, chosen: dict[str, dict[str, dict]], lr: float,
                          window: int = 10):
  """Per environment, each update's mean episode return over all updates, mean and SE
  over seeds, level changes dotted.

  Args:
    path: the PNG to write.
    chosen: {env: {method: {"setting", "curves": [seeds, updates] per-update
      returns, "updates_per_level"}}}, one setting per method.
    lr: the learning rate of the chosen settings, for the titles.
    window: the moving average's length, in updates.
  """
  fig, axes = plt.subplots(len(chosen), 1, figsize=(11, 3.6 * len(chosen)), squeeze=False)
  for ax, (env, methods) in zip(axes[:, 0], chosen.items()):
    for name, c in methods.items():
      mean, se = stats.mean_se(_smooth(c["curves"], window))
      updates = np.arange(1, mean.shape[0] + 1)
      color = _color(name)
      ax.plot(updates, mean, color=color, lw=1.3, label=method_label(name, c["setting"]))
      ax.fill_between(updates, mean - se, mean + se, color=color, alpha=0.2, lw=0)
      every = c["updates_per_level"]
    for start in range(every, mean.shape[0], every):
      ax.axvline(start, color="gray", ls=":", lw=1)
    ax.set_xlim(0, mean.shape[0])
    ax.set_ylabel("mean episode return")
    ax.set_title(f"{env}, lr {lr:g}: mean ± one standard error over seeds of a {window}-update "
                 "moving average (dotted: level changes)", fontsize=10)
    ax.grid(alpha=0.3)
    _legend_outside(ax)  # inside, a legend hides a curve somewhere
  axes[-1, 0].set_xlabel("PPO update (800 env steps each)")
  _save(fig, path)
