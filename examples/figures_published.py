"""The figures of `examples.published`: our runs of the published protocol, per environment."""

import numpy as np

from examples import stats
from examples import plotting
from examples.plotting import plt
from examples.summary_fields import method_label


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
      color = plotting.color(name)
      ax.plot(taus, profiles[name], color=color, lw=1.6, label=method_label(name))
      ax.fill_between(taus, bands[name][0], bands[name][1], color=color, alpha=0.15, lw=0)
    ax.set_xlabel("whole-run score tau")
    ax.set_ylabel("fraction of seeds with score > tau")
    ax.set_title(f"{env}, lr {lr:g}: performance profile (95% bands)", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
  plotting.save(fig, path)


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
      mean, se = stats.mean_se(plotting.moving_average(c["curves"], window))
      updates = np.arange(1, mean.shape[0] + 1)
      color = plotting.color(name)
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
    plotting.legend_outside(ax)  # inside, a legend hides a curve somewhere
  axes[-1, 0].set_xlabel("PPO update (800 env steps each)")
  plotting.save(fig, path)
