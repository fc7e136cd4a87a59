"""The figures of a continual supervised run, drawn from its summary into PNG files."""

import textwrap

import numpy as np

from examples import plasticity
from examples import plotting
from examples.plotting import plt
from examples.summary_fields import setting_label


def plot_supervised_curves(path: str, summary: dict, title: str):
  """The per-task measure of every method at its best setting (and TRAC untuned, dashed).

  Args:
    path: the PNG to write.
    summary: from `examples.summary_supervised.summarize_supervised`.
    title: what the benchmark is; starts the figure's title.
  """
  fig, ax = plt.subplots(figsize=(9, 4.2))
  for name, m in summary["methods"].items():
    for label, shown in m["shown"].items():
      e = shown["per_task"]
      tasks = np.arange(1, len(e["mean"]) + 1)
      color = plotting.color(name, 0.75 if label == "best" else 0.5)
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
  plotting.save(fig, path, dpi=90, palette=False)


def plot_supervised_diagnostics(path: str, summary: dict):
  """The diagnostics at each task's end, each method at its best setting.

  Args:
    path: the PNG to write.
    summary: from `examples.summary_supervised.summarize_supervised`; one panel per
      diagnostic that some method measured.
  """
  measured = {d["metric"] for d in summary["diagnostics"] if d["per_task"] is not None}
  shown = [d for d in plasticity.DIAGNOSTICS if d.key in measured]
  fig, axes = plotting.diagnostics_axes(shown, 1.7, 9)
  for ax, diagnostic in zip(axes, shown):
    for d in summary["diagnostics"]:
      if d["metric"] == diagnostic.key and d["per_task"] is not None:
        ax.plot(np.arange(1, len(d["per_task"]) + 1), d["per_task"],
                color=plotting.color(d["method"]),
                lw=1.2, label=summary["methods"][d["method"]]["label"])
  axes[0].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
  axes[-1].set_xlabel("task (value at its end; best setting, mean over seeds)")
  plotting.save(fig, path, dpi=90, palette=False)
