"""From per-update metrics to the numbers and figures of a lifelong run.

Statistics are over seeds: the mean and its 95% Student-t interval. A seed's
return on a level is the mean, over that level's updates, of the per-update
return `examples.ppo` logs (mean over the parallel envs of each env's last
finished episode); its return over the whole run is the mean over all updates.
"""

import io
import json
import warnings
from typing import Sequence

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402  (matplotlib's own dependency)

from examples.ppo import PPOConfig  # noqa: E402

COLORS = {"adam": "Blues", "trac": "Reds"}  # one colormap per optimizer, shade per lr

# Two-sided 95% Student-t quantiles t_{0.975, df} for df = 1..30; 1.96 beyond.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
         2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


# ---------------------------------------------------------------------------
# Statistics


def mean_ci(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
  """Mean over `axis` and the half-width of its 95% Student-t interval (NaN for 1 seed)."""
  n = x.shape[axis]
  mean = np.mean(x, axis=axis)
  if n < 2:
    return mean, np.full_like(mean, np.nan)
  t = _T975[n - 2] if n - 1 <= len(_T975) else 1.96
  return mean, t * np.std(x, axis=axis, ddof=1) / np.sqrt(n)


def per_level_returns(returns: np.ndarray, config: PPOConfig) -> np.ndarray:
  """[..., updates] per-update returns -> [..., levels + 1]: level means, then the whole run.

  Updates before any episode has finished (NaN) are left out of the means.
  """
  levels = returns.reshape(*returns.shape[:-1], config.num_levels, config.updates_per_level)
  with warnings.catch_warnings():  # a level where no episode finished is NaN
    warnings.simplefilter("ignore", RuntimeWarning)
    return np.concatenate(
        [np.nanmean(levels, axis=-1), np.nanmean(returns, axis=-1, keepdims=True)], axis=-1)


def summarize(results: dict[str, dict], config: PPOConfig, lrs: Sequence[float]) -> list[dict]:
  """One row per optimizer x lr x level (level "all": the whole run)."""
  rows = []
  for name, metrics in results.items():
    table = per_level_returns(metrics["return"], config)  # [seeds, lrs, levels + 1]
    mean, half = mean_ci(table)
    for j, lr in enumerate(lrs):
      for level in range(config.num_levels + 1):
        rows.append({
            "env": config.env_name,
            "shift": config.shift,
            "optimizer": name,
            "lr": float(lr),
            "level": level if level < config.num_levels else "all",
            "mean_return": float(mean[j, level]),
            "ci95_low": float(mean[j, level] - half[j, level]),
            "ci95_high": float(mean[j, level] + half[j, level]),
            "seeds": int(table.shape[0]),
            "per_seed": [float(v) for v in table[:, j, level]],
        })
  return rows


def format_table(rows: list[dict], config: PPOConfig, labels: dict[str, str]) -> str:
  """Mean return [95% interval] per level and over the whole run, one line per run."""
  header = ["optimizer", "lr"] + [f"level {l}" for l in range(config.num_levels)] + ["whole run"]
  cells = {}
  for row in rows:
    cells.setdefault((row["optimizer"], row["lr"]), []).append(
        f"{row['mean_return']:.1f} [{row['ci95_low']:.0f}, {row['ci95_high']:.0f}]"
        if np.isfinite(row["ci95_low"]) else f"{row['mean_return']:.1f}")
  lines = [[labels.get(name, name), f"{lr:g}"] + c for (name, lr), c in cells.items()]
  widths = [max(len(line[i]) for line in [header] + lines) for i in range(len(header))]
  fmt = lambda line: "  ".join(c.rjust(w) for c, w in zip(line, widths))
  return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(l) for l in lines])


def write_csv(path: str, rows: list[dict]):
  """The summary rows, without the per-seed values (those are in results.json)."""
  columns = [k for k in rows[0] if k != "per_seed"]
  with open(path, "w") as f:
    f.write(",".join(columns) + "\n")
    for row in rows:
      f.write(",".join(f"{row[c]:.6g}" if isinstance(row[c], float) else str(row[c])
                       for c in columns) + "\n")


def shift_label(config: PPOConfig) -> str:
  """E.g. "offset (scale 2)", or "permute" (the other kinds have no scale)."""
  if config.shift == "offset":
    return f"offset (scale {config.shift_scale:g})"
  return config.shift


# ---------------------------------------------------------------------------
# Figures


def plot_curves(path: str, results: dict[str, dict], config: PPOConfig,
                lrs: Sequence[float], labels: dict[str, str]):
  """Return vs env steps (mean and 95% interval over seeds) and TRAC's scale S below."""
  steps = (np.arange(config.num_updates) + 1) * config.steps_per_update
  with_scale = [n for n, m in results.items() if np.isfinite(m["scale"]).any()]
  fig, axes = plt.subplots(2 if with_scale else 1, 1, sharex=True, squeeze=False,
                           figsize=(9, 6.5 if with_scale else 4),
                           gridspec_kw={"height_ratios": [2, 1] if with_scale else [1]})
  ax_return, ax_scale = axes[0, 0], axes[-1, 0] if with_scale else None
  window = max(1, config.updates_per_level // 10)
  shaded = len(lrs) <= 2  # beyond that the intervals hide the lines; see sweep.png
  low, high = np.inf, -np.inf  # range of the seeds' curves: the y-limits
  for name, metrics in results.items():
    for j, lr in enumerate(lrs):
      color = _color(name, j, len(lrs))
      label = labels.get(name, name) + (f", lr {lr:g}" if len(lrs) > 1 else "")
      curves = _smooth(metrics["return"][:, j], window)
      low, high = min(low, np.nanmin(curves)), max(high, np.nanmax(curves))
      mean, half = mean_ci(curves)
      ax_return.plot(steps, mean, color=color, label=label, lw=1.5)
      if shaded:
        ax_return.fill_between(steps, mean - half, mean + half, color=color, alpha=0.2, lw=0)
      if name in with_scale:
        mean, half = mean_ci(metrics["scale"][:, j])
        ax_scale.plot(steps, mean, color=color, label=label, lw=1.5)
        if shaded:  # S >= 0 on a log axis: the interval is cut at a tenth of the mean
          ax_scale.fill_between(steps, np.maximum(mean - half, mean / 10), mean + half,
                                color=color, alpha=0.2, lw=0)
  pad = 0.05 * (high - low) if high > low else 1.0
  ax_return.set_ylim(low - pad, high + pad)
  for ax in axes[:, 0]:
    for level in range(1, config.num_levels):
      ax.axvline(level * config.updates_per_level * config.steps_per_update,
                 color="gray", ls=":", lw=1)
    ax.grid(alpha=0.3)
  ax_return.set_ylabel("episode return")
  ax_return.set_title(f"{config.env_name}, {config.num_levels} levels, shift "
                      f"{shift_label(config)}; mean "
                      f"{'and 95% interval ' if shaded else ''}over {_num_seeds(results)} seeds",
                      fontsize=10)
  ax_return.legend(fontsize=7, loc="upper right", ncol=1 if shaded else 2)
  if with_scale:
    ax_scale.set_ylabel("TRAC scale S")
    ax_scale.set_yscale("log")
  axes[-1, 0].set_xlabel("environment steps (dotted: level changes)")
  _save(fig, path)


def plot_sweep(path: str, rows: list[dict], config: PPOConfig, labels: dict[str, str]):
  """Whole-run return vs learning rate, one line per optimizer, 95% intervals."""
  fig, ax = plt.subplots(figsize=(6, 4))
  for name in dict.fromkeys(r["optimizer"] for r in rows):
    run = sorted((r for r in rows if r["optimizer"] == name and r["level"] == "all"),
                 key=lambda r: r["lr"])
    lr = np.array([r["lr"] for r in run])
    mean = np.array([r["mean_return"] for r in run])
    low = np.array([r["ci95_low"] for r in run])
    high = np.array([r["ci95_high"] for r in run])
    color = _color(name, 0, 1)
    ax.plot(lr, mean, "o-", color=color, label=labels.get(name, name))
    ax.fill_between(lr, low, high, color=color, alpha=0.2, lw=0)
  ax.set_xscale("log")
  ax.set_xlabel("learning rate")
  ax.set_ylabel("mean return over the whole run")
  ax.set_title(f"{config.env_name}, {config.num_levels} levels, shift {shift_label(config)}: "
               f"mean and 95% interval over {rows[0]['seeds']} seeds", fontsize=9)
  ax.grid(alpha=0.3)
  ax.legend()
  _save(fig, path)


def _save(fig, path: str):
  """A small PNG: rendered at 90 dpi, then reduced to a 128-colour palette (about 3x smaller)."""
  fig.tight_layout()
  buffer = io.BytesIO()
  fig.savefig(buffer, dpi=90)
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
  return plt.get_cmap(COLORS.get(name, "Greys"))(shade)


def _num_seeds(results: dict[str, dict]) -> int:
  return next(iter(results.values()))["return"].shape[0]



def load_run(folder: str) -> tuple[dict[str, dict], PPOConfig, list[float]]:
  """The per-update metrics, config and learning rates a lifelong run saved in `folder`."""
  with open(f"{folder}/results.json") as f:
    saved = json.load(f)
  config = PPOConfig(**{k: tuple(v) if isinstance(v, list) else v
                        for k, v in saved["config"].items()})
  curves = np.load(f"{folder}/curves.npz")
  results = {}
  for key in curves.files:
    if "/" in key:
      name, metric = key.split("/")
      results.setdefault(name, {})[metric] = curves[key]
  return results, config, saved["lrs"]


def redraw(folder: str, labels: dict[str, str]):
  """Redraws a run folder's figures from its saved curves (no training)."""
  results, config, lrs = load_run(folder)
  plot_curves(f"{folder}/curves.png", results, config, lrs, labels)
  if len(lrs) > 1:
    plot_sweep(f"{folder}/sweep.png", summarize(results, config, lrs), config, labels)
