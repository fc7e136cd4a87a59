"""The house style of the examples' figures: colours, smoothing, axes, PNG files.

The one module that sets matplotlib up (the Agg backend: files only, never a
display); the figure modules (`examples.figures`, `examples.figures_supervised`,
`examples.figures_published`) draw with it.
"""

import io

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402  (matplotlib's own dependency)

from examples.methods import METHODS  # noqa: E402


def save(fig, path: str, dpi: int = 110, palette: bool = True):
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


def moving_average(x: np.ndarray, window: int) -> np.ndarray:
  """Trailing moving average along the last axis, ignoring NaNs."""
  valid = np.isfinite(x)
  total = np.cumsum(np.where(valid, x, 0.0), axis=-1)
  count = np.cumsum(valid, axis=-1)
  total[..., window:] = total[..., window:] - total[..., :-window]
  count[..., window:] = count[..., window:] - count[..., :-window]
  with np.errstate(all="ignore"):
    return total / count


def shade(j: int, n: int) -> float:
  """The shade of the j-th of n settings of a method drawn together."""
  return 0.75 if n == 1 else 0.45 + 0.5 * j / (n - 1)


def color(name: str, shade: float = 0.75):
  """A method's colour (its registry colormap, grey if it has none) at `shade`."""
  colormap = METHODS[name].colormap if name in METHODS else "Greys"
  return plt.get_cmap(colormap)(shade)


def diagnostics_axes(shown: list, height: float, width: float):
  """One row of axes per diagnostic, sharing the x axis, each labelled and scaled."""
  fig, axes = plt.subplots(len(shown), 1, sharex=True, figsize=(width, height * len(shown) + 0.6))
  axes = np.atleast_1d(axes)
  for ax, d in zip(axes, shown):
    if d.log:
      ax.set_yscale("log")
    ax.set_ylabel(d.label, fontsize=8)
    ax.grid(alpha=0.3)
  return fig, axes


def legend_outside(ax):
  """The legend to the right of the axes, where it hides no curve."""
  ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
