"""The summary, tables, files and figures of a lifelong run (statistics in `examples.stats`)."""

import io
import json
import math
from typing import Any, Optional, Sequence

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402  (matplotlib's own dependency)

from examples import stats  # noqa: E402
from examples.grid import Grid  # noqa: E402
from examples.methods import METHODS, with_role  # noqa: E402
from examples.tasks import Schedule  # noqa: E402

# ---------------------------------------------------------------------------
# Summary


def segment_name(task_names: Sequence[str], seg, cycles: int) -> str:
  """"level 3", or "Breakout c2" for the second visit of a game when there are cycles."""
  name = task_names[seg.task].removesuffix("-MinAtar")
  return f"{name} c{seg.visit + 1}" if cycles > 1 else name


def summarize(grid: Grid, task_names: Sequence[str], title: str,
              schedule: Schedule, averaging: str = "updates") -> dict[str, Any]:
  """Everything the tables, files and figures report, as plain data.

  Args:
    grid: the metrics of every method, setting and seed.
    task_names: the name of each task, in task order.
    title: what the tasks are (`TaskSet.name`).
    schedule: the schedule the grid was trained on.
    averaging: how a segment's return averages its episodes, "updates" (the
      published score) or "episodes"; see `examples.stats`.
  """
  segments = schedule.segments()
  num_tasks = len(task_names)
  cycles = schedule.num_cycles
  seg_returns = {name: stats.segment_scores(m, schedule, averaging)
                 for name, m in grid.metrics.items()}
  denominators = None
  yardstick = with_role("yardstick", seg_returns)
  if yardstick is not None and num_tasks > 1 and cycles > 1:
    denominators = stats.yardstick(seg_returns[yardstick], schedule, num_tasks)
  normalized = {name: stats.normalize(r, schedule, denominators)
                for name, r in seg_returns.items()}
  score_kind = "normalized" if denominators is not None else "return"

  rows, methods, ratios, diagnostics = [], {}, [], []
  for name, returns in seg_returns.items():
    settings = grid.configs[name]
    whole = stats.whole_run(returns)  # [seeds, settings]
    whole_norm = None if normalized[name] is None else stats.whole_run(normalized[name])
    score = whole_norm if whole_norm is not None else whole
    best, median = stats.rank_settings(score)
    score_mean, _ = stats.mean_se(score)
    methods[name] = {
        "label": METHODS[name].label if name in METHODS else name,
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
      if cycles > 1:
        for task in range(num_tasks):
          visits = [i for i, seg in enumerate(segments) if seg.task == task]
          if len(visits) >= 2:
            ratio, low, high = stats.bootstrap_ratio(returns[:, j, visits[1]],
                                                     returns[:, j, visits[0]])
            ratios.append({"method": name, "setting": j, "task": task_names[task],
                           "ratio": ratio, "ci95_low": low, "ci95_high": high})
      ends = {key: stats.at_segment_ends(grid.metrics[name][key][:, j], schedule)
              for key in stats.DIAGNOSTICS}
      for i, seg in enumerate(segments):
        diagnostics.append({
            "method": name, "setting": j, "segment": i, "task": task_names[seg.task],
            "visit": seg.visit + 1,
            **{key: _nanmean(value[:, i]) for key, value in ends.items()}})
  return {
      "tasks": title,
      "task_names": list(task_names),
      "segments": [{"task": task_names[s.task], "visit": s.visit + 1, "start": s.start,
                    "stop": s.stop, "name": segment_name(task_names, s, cycles)}
                   for s in segments],
      "yardstick": None if denominators is None else dict(
          zip(task_names, [float(d) for d in denominators])),
      "score": score_kind,
      "averaging": averaging,
      "methods": methods,
      "rows": rows,
      "cycle_ratios": ratios,
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


# ---------------------------------------------------------------------------
# Tables


def _fmt(mean: float, low: float, high: float, digits: int = 1) -> str:
  if not math.isfinite(mean):
    return "n/a"
  no_width = f"{low:.{digits}f}" == f"{high:.{digits}f}"  # equal seeds, at this precision
  if not (math.isfinite(low) and math.isfinite(high)) or no_width:
    return f"{mean:.{digits}f}"
  return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def _score_columns(normalized: bool) -> tuple[str, str, str]:
  """The row keys of the mean and its interval: normalised returns or raw ones."""
  if normalized:
    return "normalized", "norm_ci95_low", "norm_ci95_high"
  return "mean_return", "ci95_low", "ci95_high"


def seed_counts(counts) -> str:
  """"6" when every method ran 6 seeds, "3-6" when they ran between 3 and 6."""
  counts = sorted(set(counts))
  return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def _whole_run_label(summary: dict) -> str:
  return "whole-run normalized return" if summary["score"] == "normalized" else "whole-run return"


def _whole_run_rows(summary: dict) -> dict:
  """(method, setting) -> its whole-run row."""
  return {(r["method"], r["setting"]): r for r in summary["rows"] if r["segment"] == "all"}


def _setting_label(summary: dict, name: str, j: int) -> str:
  setting = summary["methods"][name]["settings"][j]
  return ", ".join(f"{k} {v:g}" for k, v in setting.items())


def _table(header: list[str], lines: list[list[str]], markdown: bool) -> str:
  if markdown:
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                     + ["| " + " | ".join(line) + " |" for line in lines])
  widths = [max(len(line[i]) for line in [header] + lines) for i in range(len(header))]
  fmt = lambda line: "  ".join(c.rjust(w) for c, w in zip(line, widths))
  return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(l) for l in lines])


def segment_table(summary: dict, normalized: bool = False, markdown: bool = False,
                  methods: Optional[Sequence[str]] = None) -> str:
  """Mean (normalised) return [95% interval] per segment and over the whole run."""
  key, low, high = _score_columns(normalized)
  digits = 2 if normalized else 1
  header = ["method", "setting"] + [s["name"] for s in summary["segments"]] + ["whole run"]
  cells: dict = {}
  for row in summary["rows"]:
    if methods is not None and row["method"] not in methods:
      continue
    cells.setdefault((row["method"], row["setting"]), []).append(
        _fmt(row[key], row[low], row[high], digits))
  lines = [[summary["methods"][name]["label"], _setting_label(summary, name, j)] + c
           for (name, j), c in cells.items()]
  return _table(header, lines, markdown)


def cycle_table(summary: dict, markdown: bool = False) -> str:
  """Return in the second visit of each game over the first, [95% bootstrap interval]."""
  header = ["method", "setting"] + [t.removesuffix("-MinAtar") for t in summary["task_names"]]
  cells: dict = {}
  for r in summary["cycle_ratios"]:
    cells.setdefault((r["method"], r["setting"]), []).append(
        _fmt(r["ratio"], r["ci95_low"], r["ci95_high"], 2))
  lines = [[summary["methods"][name]["label"], _setting_label(summary, name, j)] + c
           for (name, j), c in cells.items()]
  return _table(header, lines, markdown)


def best_table(summary: dict, markdown: bool = False) -> str:
  """Per method: its grid size, its best and its median setting with their whole-run scores."""
  whole = _whole_run_rows(summary)
  key, low, high = _score_columns(summary["score"] == "normalized")
  digits = 2 if summary["score"] == "normalized" else 1
  score = "normalized return" if summary["score"] == "normalized" else "return"
  header = ["method", "configurations", "seeds", "best setting", f"best whole-run {score}",
            "SE", "IQM [95%]", "median setting", f"median whole-run {score}",
            "spread (best - worst)"]
  prefix = "norm_" if summary["score"] == "normalized" else ""
  lines = []
  for name, m in summary["methods"].items():
    best, median = whole[(name, m["best"])], whole[(name, m["median"])]
    tried = str(m["configurations"])
    if m.get("lr_from_adam"):
      tried += f" + {m['configurations_tried'] - m['configurations']} (Adam's lr sweep)"
    lines.append([m["label"], tried, str(best["seeds"]), _setting_label(summary, name, m["best"]),
                  _fmt(best[key], best[low], best[high], digits),
                  _fmt(best[f"{prefix}se"], math.nan, math.nan, digits),
                  _fmt(best[f"{prefix}iqm"], best[f"{prefix}iqm_ci95_low"],
                       best[f"{prefix}iqm_ci95_high"], digits),
                  _setting_label(summary, name, m["median"]),
                  _fmt(median[key], median[low], median[high], digits),
                  _fmt(m['spread'], math.nan, math.nan, digits)])
  return _table(header, lines, markdown)


def diagnostics_table(summary: dict, settings: str = "best", markdown: bool = False) -> str:
  """The diagnostics at the end of each segment, each method at its best setting."""
  header = ["method", "segment", "dormant (0)", "dormant (0.1)", "|theta|", "|theta - theta_0|",
            "entropy", "TRAC S"]
  lines = []
  for d in summary["diagnostics_at_segment_end"]:
    m = summary["methods"][d["method"]]
    if settings == "best" and d["setting"] != m["best"]:
      continue
    seg = summary["segments"][d["segment"]]["name"]
    lines.append([m["label"], seg, f"{d['dormant_0.0']:.3f}", f"{d['dormant_0.1']:.3f}",
                  f"{d['param_norm']:.1f}", f"{d['distance_from_init']:.1f}",
                  f"{d['entropy']:.2f}",
                  f"{d['scale']:.3g}" if math.isfinite(d["scale"]) else "-"])
  return _table(header, lines, markdown)


def tables(summary: dict, about: str, markdown: bool = False) -> str:
  """Every table of a run, with its headings; `about` ends the first heading."""
  normalized = summary["score"] == "normalized"
  score = "normalized return" if normalized else "return"
  heading = (lambda text: f"\n**{text}**\n") if markdown else (lambda text: f"\n{text}")
  averaged = ("mean over updates of each update's mean episode return"
              if summary["averaging"] == "updates"
              else "mean return of the episodes that ended in it")
  parts = [heading(f"Return per segment ({averaged}): mean [95% stratified-bootstrap "
                   f"interval] over {about}"),
           segment_table(summary, markdown=markdown)]
  if normalized:
    yardstick = ", ".join(f"{k.removesuffix('-MinAtar')} {v:.2f}"
                          for k, v in summary["yardstick"].items())
    parts += [heading("Normalized return (over a fresh network trained on the game for as "
                      f"many steps: {yardstick})"),
              segment_table(summary, normalized=True, markdown=markdown)]
  if summary["cycle_ratios"]:
    parts += [heading("Return in cycle 2 / cycle 1 per game [95% bootstrap interval]"),
              cycle_table(summary, markdown=markdown)]
  parts += [heading(f"Each method's best and median setting (by whole-run {score})"),
            best_table(summary, markdown=markdown),
            heading("Diagnostics at the end of each segment (best setting, mean over seeds)"),
            diagnostics_table(summary, markdown=markdown)]
  return "\n".join(parts)


# ---------------------------------------------------------------------------
# Files


def _json_safe(x):
  """NaN and infinities become null (JSON has no NaN); numpy scalars become Python ones."""
  if isinstance(x, dict):
    return {str(k): _json_safe(v) for k, v in x.items()}
  if isinstance(x, (list, tuple)):
    return [_json_safe(v) for v in x]
  if isinstance(x, (np.floating, float)):
    return float(x) if math.isfinite(x) else None
  if isinstance(x, np.integer):
    return int(x)
  if isinstance(x, np.ndarray):
    return _json_safe(x.tolist())
  return x


def write_json(path: str, data: dict):
  with open(path, "w") as f:
    json.dump(_json_safe(data), f, indent=1, allow_nan=False)


def write_csv(path: str, rows: list[dict]):
  """The summary rows, without the per-seed lists (those are in results.json); NaN is empty."""
  columns = list(dict.fromkeys(k for row in rows for k in row if "per_seed" not in k))
  with open(path, "w") as f:
    f.write(",".join(columns) + "\n")
    for row in rows:
      values = [row.get(c, "") for c in columns]
      f.write(",".join(
          ("" if not math.isfinite(v) else f"{v:.6g}") if isinstance(v, float) else str(v)
          for v in values) + "\n")


# ---------------------------------------------------------------------------
# Figures


def _save(fig, path: str):
  """A small PNG: rendered at 110 dpi, then reduced to a 128-colour palette (about 3x smaller)."""
  fig.tight_layout()
  buffer = io.BytesIO()
  fig.savefig(buffer, dpi=110)
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


def _color(name: str, j: int, n: int):
  shade = 0.75 if n == 1 else 0.45 + 0.5 * j / (n - 1)
  colormap = METHODS[name].colormap if name in METHODS else "Greys"
  return plt.get_cmap(colormap)(shade)


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
  return label + (f", {_setting_label(summary, name, j)}" if shown else "")


def plot_curves(path: str, grid: Grid, summary: dict, schedule: Schedule,
                steps_per_update: int):
  """Return (normalised on game sequences) vs env steps, mean and SE over seeds."""
  steps = (np.arange(schedule.num_updates) + 1) * steps_per_update
  normalized = summary["yardstick"] is not None
  if normalized:
    per_update = np.asarray([summary["yardstick"][summary["task_names"][t]]
                             for t in schedule.tasks])
  window = max(1, schedule.updates_per_task // 8)
  fig, ax = plt.subplots(figsize=(12, 4.4))
  for name, metrics in grid.metrics.items():
    shown = _shown_settings(summary, name)
    for j in shown:
      curves = metrics["return"][:, j] / (per_update if normalized else 1.0)
      mean, half = stats.mean_se(_smooth(curves, window))
      color = _color(name, shown.index(j), len(shown))
      ax.plot(steps, mean, color=color, lw=1.5, label=_label(summary, name, j, len(shown) > 0))
      ax.fill_between(steps, mean - half, mean + half, color=color, alpha=0.15, lw=0)
  _mark_segments(ax, summary, steps_per_update, label=True)
  ax.set_ylabel("normalized return" if normalized else "episode return")
  ax.set_xlabel("environment steps (dotted: task changes)")
  ax.set_title(f"{summary['tasks']}: mean and standard error over "
               f"{seed_counts(m['return'].shape[0] for m in grid.metrics.values())} seeds "
               "(methods with more than two settings: best setting)", fontsize=9, pad=14)
  ax.grid(alpha=0.3)
  _legend_outside(ax)
  _save(fig, path)


DIAGNOSTIC_LABELS = {
    "dormant_0.0": "dormant units, tau = 0",
    "dormant_0.1": "dormant units, tau = 0.1",
    "param_norm": "|theta|",
    "distance_from_init": "|theta - theta_0|",
    "entropy": "policy entropy",
    "scale": "TRAC's scale S",
}


def plot_diagnostics(path: str, grid: Grid, summary: dict, schedule: Schedule,
                     steps_per_update: int):
  """The plasticity diagnostics after every update, each method at its best setting."""
  steps = (np.arange(schedule.num_updates) + 1) * steps_per_update
  keys = [k for k in stats.DIAGNOSTICS
          if any(np.isfinite(m[k]).any() for m in grid.metrics.values())]
  fig, axes = plt.subplots(len(keys), 1, sharex=True, figsize=(12, 1.9 * len(keys) + 0.6))
  for ax, key in zip(np.atleast_1d(axes), keys):
    for name, metrics in grid.metrics.items():
      j = summary["methods"][name]["best"]
      mean, _ = stats.mean_se(metrics[key][:, j])
      ax.plot(steps, mean, color=_color(name, 0, 1), lw=1.2,
              label=_label(summary, name, j, 1))
    _mark_segments(ax, summary, steps_per_update, label=ax is np.atleast_1d(axes)[0])
    if key == "scale":
      ax.set_yscale("log")
    ax.set_ylabel(DIAGNOSTIC_LABELS[key], fontsize=8)
    ax.grid(alpha=0.3)
  _legend_outside(np.atleast_1d(axes)[0])
  np.atleast_1d(axes)[-1].set_xlabel("environment steps (dotted: task changes); mean over seeds")
  _save(fig, path)


def plot_sweep(path: str, summary: dict):
  """Whole-run score vs learning rate, one line per method (other settings: their best)."""
  fig, ax = plt.subplots(figsize=(6, 4))
  whole = _whole_run_rows(summary)
  key, low, high = _score_columns(summary["score"] == "normalized")
  for name, m in summary["methods"].items():
    by_lr: dict = {}
    for j, setting in enumerate(m["settings"]):
      r = whole[(name, j)]
      if setting["lr"] not in by_lr or r[key] > by_lr[setting["lr"]][key]:
        by_lr[setting["lr"]] = r
    lrs = sorted(by_lr)
    if len(lrs) < 2:
      continue
    color = _color(name, 0, 1)
    ax.plot(lrs, [by_lr[lr][key] for lr in lrs], "o-", color=color, label=m["label"])
    ax.fill_between(lrs, [by_lr[lr][low] for lr in lrs], [by_lr[lr][high] for lr in lrs],
                    color=color, alpha=0.15, lw=0)
  ax.set_xscale("log")
  ax.set_xlabel("learning rate")
  ax.set_ylabel(_whole_run_label(summary))
  ax.set_title(f"{summary['tasks']}: mean and 95% bootstrap interval over seeds", fontsize=9)
  ax.grid(alpha=0.3)
  ax.legend(fontsize=8)
  _save(fig, path)


def plot_tuning_cost(path: str, summary: dict, untuned: dict[str, int]):
  """Whole-run score against the number of settings tried (expected best of k).

  Args:
    untuned: methods drawn as one point (TRAC at its default), name -> setting.
  """
  fig, ax = plt.subplots(figsize=(6.5, 4.2))
  whole = _whole_run_rows(summary)
  key, low, high = _score_columns(summary["score"] == "normalized")
  for name, m in summary["methods"].items():
    color = _color(name, 0, 1)
    if name in untuned:
      r = whole[(name, untuned[name])]
      ax.errorbar([1], [r[key]], yerr=[[r[key] - r[low]], [r[high] - r[key]]], fmt="*",
                  ms=14, color=color, capsize=3,
                  label=f"{m['label']}, {_setting_label(summary, name, untuned[name])} (default)")
      continue
    offset = m["configurations_tried"] - m["configurations"]
    k = np.arange(1, m["configurations"] + 1) + offset
    ax.plot(k, m["best_of_k"], "o-", color=color, ms=4, label=m["label"]
            + (" (lr from Adam's sweep)" if offset else ""))
  ax.set_xscale("log", base=2)
  ax.set_xlabel("settings tried (expected best of k drawn from the grid)")
  ax.set_ylabel(_whole_run_label(summary))
  ax.set_title(f"{summary['tasks']}: tuning cost; mean over seeds", fontsize=9)
  ax.grid(alpha=0.3)
  ax.legend(fontsize=7)
  _save(fig, path)


def plot_segments(path: str, summary: dict):
  """Each segment's (normalised) return, each method at its best setting, 95% intervals."""
  normalized = summary["score"] == "normalized"
  key, low, high = _score_columns(normalized)
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
    ax.bar(x, mean, width, yerr=np.nan_to_num(err), capsize=2, color=_color(name, 0, 1),
           label=_label(summary, name, m["best"], 1), error_kw={"lw": 0.8})
  if normalized:
    ax.axhline(1.0, color="gray", lw=1, ls="--")
  ax.set_xticks(np.arange(len(segments)))
  ax.set_xticklabels(segments, fontsize=7, rotation=30, ha="right")
  ax.set_ylabel("normalized return (1 = a fresh network)" if normalized else "episode return")
  ax.set_title(f"{summary['tasks']}: mean and 95% bootstrap interval over seeds, each method "
               "at its best "
               "setting", fontsize=9)
  ax.grid(alpha=0.3, axis="y")
  ax.legend(fontsize=7)
  _save(fig, path)
