"""Statistics over seeds, with rliable: intervals, probabilities of improvement, profiles.

Statistics are over seeds, with rliable (Agarwal et al., NeurIPS 2021): the mean
and the interquartile mean (IQM), each with a 95% stratified-bootstrap
(percentile) interval, which never leaves the range of the seeds' scores, so a
bounded return keeps its bounds; the standard error of the mean, to compare with
published mean +- SE cells; the probability of improvement of one method over
another, with its interval; performance profiles; the expected best of k
settings tried. Curves get mean +- SE bands. The scores these statistics are of
are `examples.scoring`.
"""

import contextlib
import math
import warnings
from typing import Sequence

import numpy as np


BOOTSTRAP_REPS = 2000  # stratified-bootstrap resamples per interval


def mean_se(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
  """Mean over `axis` (NaNs left out) and its standard error (NaN under two values)."""
  x = np.asarray(x, np.float64)
  n = np.sum(np.isfinite(x), axis=axis)
  with warnings.catch_warnings(), np.errstate(all="ignore"):
    warnings.simplefilter("ignore", RuntimeWarning)
    mean = np.nanmean(x, axis=axis)
    se = np.nanstd(x, axis=axis, ddof=1) / np.sqrt(n)
  return mean, np.where(n >= 2, se, np.nan)


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


# ---------------------------------------------------------------------------
# Intervals over seeds, with rliable


@contextlib.contextmanager
def _seeded(seed: int):
  """rliable's stratified bootstrap draws its resamples from numpy's global RNG (its
  `random_state` argument reaches only arch's own draws): seed that, and put it back."""
  state = np.random.get_state()
  np.random.seed(seed)
  try:
    with warnings.catch_warnings():
      warnings.simplefilter("ignore")  # arch's deprecation of RandomState
      yield np.random.RandomState(seed)
  finally:
    np.random.set_state(state)


def _iqm(x: np.ndarray) -> np.ndarray:
  """[seeds, columns] -> [columns]: the interquartile mean of each column's finite values."""
  import scipy.stats  # rliable's own dependency

  if np.isfinite(x).all():
    return scipy.stats.trim_mean(x, 0.25, axis=0)
  return np.asarray([scipy.stats.trim_mean(c[np.isfinite(c)], 0.25) if np.isfinite(c).any()
                     else np.nan for c in x.T])


def interval_estimates(per_seed: np.ndarray, reps: int = BOOTSTRAP_REPS,
                       seed: int = 0) -> dict[str, np.ndarray]:
  """Mean, SE and IQM over seeds of each column, with 95% stratified-bootstrap intervals.

  Args:
    per_seed: [seeds, columns] scores (e.g. one column per segment); NaNs are left
      out of every estimate.
    reps: bootstrap resamples.
    seed: the bootstrap's random seed (the same data give the same intervals).

  Returns:
    {"mean", "mean_low", "mean_high", "se", "iqm", "iqm_low", "iqm_high"}, each
    [columns]; the intervals are rliable's percentile intervals (NaN under two
    finite values).

  References:
    Agarwal et al., `Deep Reinforcement Learning at the Edge of the Statistical
    Precipice <https://arxiv.org/abs/2108.13264>`_, NeurIPS 2021.
  """
  from rliable import library as rly

  x = np.asarray(per_seed, np.float64)
  if x.ndim != 2:
    raise ValueError(f"per_seed must be [seeds, columns], got shape {x.shape}")
  columns = x.shape[1]
  mean, se = mean_se(x)

  def aggregate(sample):
    with warnings.catch_warnings():
      warnings.simplefilter("ignore", RuntimeWarning)
      return np.concatenate([np.nanmean(sample, axis=0), _iqm(sample)])

  point = aggregate(x)
  enough = np.sum(np.isfinite(x), axis=0) >= 2
  if enough.any():
    with _seeded(seed) as random_state:
      _, ci = rly.get_interval_estimates({"x": x}, aggregate, reps=reps,
                                         random_state=random_state)
    low, high = ci["x"]
  else:
    low = high = np.full(2 * columns, np.nan)
  keep = np.concatenate([enough, enough])
  low, high = np.where(keep, low, np.nan), np.where(keep, high, np.nan)
  return {"mean": mean, "mean_low": low[:columns], "mean_high": high[:columns], "se": se,
          "iqm": point[columns:], "iqm_low": low[columns:], "iqm_high": high[columns:]}


def interval(per_seed: np.ndarray, reps: int = BOOTSTRAP_REPS) -> dict[str, float]:
  """Mean and IQM of [seeds] values with their 95% stratified-bootstrap intervals.

  Returns:
    {"mean", "mean_low", "mean_high", "se", "iqm", "iqm_low", "iqm_high"}: floats.
  """
  e = interval_estimates(np.asarray(per_seed, float)[:, None], reps)
  return {k: float(v[0]) for k, v in e.items()}


def probability_of_improvement(x: np.ndarray, y: np.ndarray, reps: int = BOOTSTRAP_REPS,
                               seed: int = 0) -> tuple[float, float, float]:
  """P(X > Y): the chance that a seed of method X scores above a seed of Y (ties count
  half), with its 95% stratified-bootstrap interval (rliable).

  Args:
    x, y: [seeds] whole-run scores of the two methods (NaNs left out).

  Returns:
    (probability, low, high).
  """
  from rliable import library as rly
  from rliable import metrics

  x = np.asarray(x, np.float64)
  y = np.asarray(y, np.float64)
  x, y = x[np.isfinite(x)], y[np.isfinite(y)]
  if len(x) < 2 or len(y) < 2:
    return float("nan"), float("nan"), float("nan")
  with _seeded(seed) as random_state:
    point, ci = rly.get_interval_estimates(
        {"xy": (x[:, None], y[:, None])}, metrics.probability_of_improvement, reps=reps,
        random_state=random_state)
  low, high = np.ravel(ci["xy"])
  return float(point["xy"]), float(low), float(high)


def performance_profile(scores: dict[str, np.ndarray], thresholds: np.ndarray,
                        reps: int = BOOTSTRAP_REPS, seed: int = 0):
  """The fraction of each method's seeds whose score exceeds each threshold, with 95%
  stratified-bootstrap bands (rliable's `create_performance_profile`).

  Args:
    scores: {method: [seeds] whole-run scores}.
    thresholds: [T] score thresholds.

  Returns:
    ({method: [T] fractions}, {method: [2, T] low and high}).
  """
  from rliable import library as rly

  data = {k: np.asarray(v, np.float64)[np.isfinite(v)][:, None] for k, v in scores.items()}
  with _seeded(seed):
    return rly.create_performance_profile(data, np.asarray(thresholds, float), reps=reps)
