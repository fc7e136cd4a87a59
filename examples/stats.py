"""From per-update metrics to the numbers of a lifelong run: segments, normalisation, intervals.

A segment is a stretch of updates on one task (a level, or one visit of a game).
A seed's return on a segment is the mean return of the episodes that ended during
it. Its return over the whole run is the mean of its segment returns (each
segment counts the same, whatever its episode count). Statistics are over seeds:
the mean and its 95% Student-t interval.

Normalised return (game sequences): a seed's return on a segment of game g divided
by the yardstick of g, the return that a fresh network and a fresh Adam state
reach on g in the same number of steps: the "reset at switch" oracle's return on
g (its every segment starts from scratch), averaged over seeds and visits, at the
learning rate where that average is highest (the strongest yardstick the grid
offers). The whole-run normalised return is the mean over segments.
"""

import math
import warnings
from typing import Optional, Sequence

import numpy as np

from examples.tasks import Schedule

# Two-sided 95% Student-t quantiles t_{0.975, df} for df = 1..30; 1.96 beyond.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
         2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
DIAGNOSTICS = ("dormant_0.0", "dormant_0.1", "param_norm", "distance_from_init", "entropy",
               "scale")


def mean_ci(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
  """Mean over `axis` (NaNs left out) and the half-width of its 95% Student-t interval.

  The half-width is NaN where fewer than two values are finite.
  """
  x = np.asarray(x, np.float64)
  n = np.sum(np.isfinite(x), axis=axis)
  with warnings.catch_warnings(), np.errstate(all="ignore"):
    warnings.simplefilter("ignore", RuntimeWarning)
    mean = np.nanmean(x, axis=axis)
    std = np.nanstd(x, axis=axis, ddof=1)
  t = np.asarray([_T975[k - 2] if 2 <= k <= len(_T975) + 1 else 1.96 for k in np.ravel(n)])
  half = np.where(np.reshape(n, np.shape(mean)) >= 2,
                  t.reshape(np.shape(mean)) * std / np.sqrt(np.maximum(n, 1)), np.nan)
  return mean, half


def segment_returns(metrics: dict[str, np.ndarray], schedule: Schedule) -> np.ndarray:
  """[..., updates] per-update metrics -> [..., segments]: each segment's mean episode return.

  Episode-weighted: the sum of the returns of the episodes that ended in the
  segment over their number (NaN if none ended).
  """
  returns, episodes = metrics["return"], metrics["episodes"]
  total = np.where(episodes > 0, np.nan_to_num(returns) * episodes, 0.0)
  out = []
  for seg in schedule.segments():
    count = episodes[..., seg.start:seg.stop].sum(-1)
    with np.errstate(all="ignore"):
      out.append(np.where(count > 0, total[..., seg.start:seg.stop].sum(-1) / count, np.nan))
  return np.stack(out, axis=-1)


def at_segment_ends(values: np.ndarray, schedule: Schedule) -> np.ndarray:
  """[..., updates] -> [..., segments]: the value at the last update of each segment."""
  return values[..., [seg.stop - 1 for seg in schedule.segments()]]


def yardstick(reset_returns: np.ndarray, schedule: Schedule, num_tasks: int) -> np.ndarray:
  """Per task: the from-scratch return (see the module docstring) from the oracle's grid.

  Args:
    reset_returns: the oracle's segment returns [seeds, settings, segments].

  Returns:
    [num_tasks] floats; NaN for a task no setting finished an episode on.
  """
  tasks = np.asarray([seg.task for seg in schedule.segments()])
  out = np.full(num_tasks, np.nan)
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    for task in range(num_tasks):
      per_setting = np.nanmean(reset_returns[..., tasks == task], axis=(0, 2))
      if np.isfinite(per_setting).any():
        out[task] = np.nanmax(per_setting)
  return out


def whole_run(segments: np.ndarray) -> np.ndarray:
  """[..., segments] -> [...]: the mean over segments (NaN segments left out)."""
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    return np.nanmean(segments, axis=-1)


def bootstrap_ratio(numerator: np.ndarray, denominator: np.ndarray, draws: int = 2000,
                    seed: int = 0) -> tuple[float, float, float]:
  """Ratio of the means over seeds, with a 95% paired bootstrap interval over seeds.

  Returns:
    (ratio, low, high); NaN where undefined.
  """
  numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
  keep = np.isfinite(numerator) & np.isfinite(denominator)
  numerator, denominator = numerator[keep], denominator[keep]
  if len(numerator) == 0 or denominator.mean() == 0:
    return float("nan"), float("nan"), float("nan")
  ratio = numerator.mean() / denominator.mean()
  picks = np.random.default_rng(seed).integers(0, len(numerator), (draws, len(numerator)))
  with np.errstate(all="ignore"):
    samples = numerator[picks].mean(1) / denominator[picks].mean(1)
  samples = samples[np.isfinite(samples)]
  if len(numerator) < 2 or len(samples) == 0:
    return float(ratio), float("nan"), float("nan")
  low, high = np.percentile(samples, [2.5, 97.5])
  return float(ratio), float(low), float(high)


def rank_settings(scores: np.ndarray) -> tuple[int, int]:
  """Indices of the best setting and of the median one, by the mean over seeds of `scores`.

  Args:
    scores: [seeds, settings] whole-run scores.

  Returns:
    (best, median): the median is the setting ranked (n - 1) // 2 from the best
    (for an even n, the better of the two middle ones).
  """
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    means = np.nanmean(scores, axis=0)
  order = np.argsort(np.where(np.isfinite(means), -means, np.inf), kind="stable")
  return int(order[0]), int(order[(len(order) - 1) // 2])


def spread(scores: np.ndarray) -> float:
  """max / min over settings of the mean over seeds (inf if some mean is <= 0)."""
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    means = np.nanmean(scores, axis=0)
  low = np.nanmin(means)
  return float(np.nanmax(means) / low) if low > 0 else float("inf")


def normalize(segments: np.ndarray, schedule: Schedule,
              denominators: Optional[Sequence[float]]) -> Optional[np.ndarray]:
  """[..., segments] returns -> the same divided by each segment's task's yardstick.

  A yardstick that is not positive (a game the fresh network earned nothing on)
  normalises nothing: those segments are NaN, and whole-run means leave them out.
  """
  if denominators is None:
    return None
  per_segment = np.asarray([denominators[seg.task] for seg in schedule.segments()], float)
  per_segment = np.where(per_segment > 0, per_segment, np.nan)
  with np.errstate(all="ignore"):
    return segments / per_segment


def expected_best_of_k(means: Sequence[float]) -> np.ndarray:
  """Expected score of the best of k settings tried at random from a grid, k = 1..n.

  The settings are ranked by `means` (their mean over seeds, higher is better);
  trying k of the n without replacement and keeping the best gives, in
  expectation, sum_i P(setting i is the best of the k) means_i, with
  P = C(n - r_i, k - 1) / C(n, k) for the setting of rank r_i (1 = best).
  k = n is the best-tuned score; k = 1 the grid's mean.

  Returns:
    [n] floats (NaN means are left out of the grid).
  """
  ranked = np.sort(np.asarray([m for m in means if np.isfinite(m)], float))[::-1]
  n = len(ranked)
  out = []
  for k in range(1, n + 1):
    weights = np.asarray([math.comb(n - r, k - 1) for r in range(1, n + 1)], float)
    out.append(float(np.dot(weights, ranked) / math.comb(n, k)))
  return np.asarray(out)
