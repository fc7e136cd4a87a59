"""From per-update metrics to the numbers of a lifelong run: scores, normalisation, intervals.

A segment is a stretch of updates on one task (a level, or one visit of a game).
A seed's score on a segment is, by default ("updates"), the mean over the
segment's updates of each update's mean episode return: the score of the
published Gym-control tables (C-CHAIN's Eq. 1, the TRAC notebook's curves),
which counts every update, that is every stretch of training time, the same. An
update in which no episode ended carries the last update's value. The other
score ("episodes") weights episodes instead: the returns of the episodes that
ended in the segment over their number, which counts a failing agent's many
short episodes far more than a good agent's few long ones. A seed's score over
the whole run is the mean of its segment scores.

Statistics are over seeds, with rliable (Agarwal et al., NeurIPS 2021): the mean
and the interquartile mean (IQM), each with a 95% stratified-bootstrap
(percentile) interval, which never leaves the range of the seeds' scores, so a
bounded return keeps its bounds; the standard error of the mean, to compare with
published mean +- SE cells; the probability of improvement of one method over
another, with its interval; performance profiles. Curves get mean +- SE bands.

Normalised score (game sequences): a fixed yardstick per game g, which no run
changes, (R - R_random(g)) / (R_ref(g) - R_random(g)): 0 for the uniformly random
policy, 1 for the reference return (see `examples.minatar_reference`). The
whole-run normalised score is the mean over segments.

The plasticity-loss test (`visit_differences`): per game and visit k >= 2, a
seed's score at visit k minus its score at visit 1 (did the same network learn
the game worse when it came back?), and minus the from-scratch oracle's score at
visit k on the same seed (does it learn worse than a fresh network would?).
"""

import contextlib
import math
import warnings
from typing import Optional, Sequence

import numpy as np

from examples.tasks import Schedule

SCORES = ("updates", "episodes")  # see the module docstring
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


def update_returns(metrics: dict[str, np.ndarray]) -> np.ndarray:
  """[..., updates]: each update's mean episode return, an update in which no episode
  ended carrying the last value (NaN before the first episode of the run ends)."""
  returns = np.asarray(metrics["return"], np.float64)
  valid = np.isfinite(returns) & (np.asarray(metrics["episodes"]) > 0)
  index = np.where(valid, np.arange(returns.shape[-1]), 0)
  index = np.maximum.accumulate(index, axis=-1)
  carried = np.take_along_axis(returns, index, axis=-1)
  seen = np.maximum.accumulate(valid, axis=-1)
  return np.where(seen, carried, np.nan)


def segment_scores(metrics: dict[str, np.ndarray], schedule: Schedule,
                   score: str = "updates") -> np.ndarray:
  """[..., updates] per-update metrics -> [..., segments]: each segment's score.

  Args:
    metrics: with "return" and "episodes", see `examples.ppo.make_train`.
    schedule: the schedule the metrics were trained on.
    score: "updates" or "episodes", see the module docstring.
  """
  if score not in SCORES:
    raise ValueError(f"unknown score {score!r}; expected one of {SCORES}")
  if score == "episodes":
    return segment_returns(metrics, schedule)
  per_update = update_returns(metrics)
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    return np.stack([np.nanmean(per_update[..., seg.start:seg.stop], axis=-1)
                     for seg in schedule.segments()], axis=-1)


def segment_returns(metrics: dict[str, np.ndarray], schedule: Schedule) -> np.ndarray:
  """[..., updates] per-update metrics -> [..., segments]: each segment's mean episode return.

  Episode-weighted (the "episodes" score): the sum of the returns of the episodes
  that ended in the segment over their number (NaN if none ended).
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


def whole_run(segments: np.ndarray) -> np.ndarray:
  """[..., segments] -> [...]: the mean over segments (NaN segments left out)."""
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    return np.nanmean(segments, axis=-1)


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
  """Best minus worst setting's mean over seeds, in the score's own units.

  A difference, not a ratio: returns may be negative (Acrobot's are), where a
  ratio of means has no meaning.
  """
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    means = np.nanmean(scores, axis=0)
  return float(np.nanmax(means) - np.nanmin(means))


def _on_yardstick(values: np.ndarray, tasks: Sequence[int], r_random: Sequence[float],
                  r_ref: Sequence[float]) -> np.ndarray:
  r_random, r_ref = np.asarray(r_random, np.float64), np.asarray(r_ref, np.float64)
  if np.any(r_ref == r_random):
    raise ValueError(f"a task's R_ref equals its R_random: {r_ref} vs {r_random}")
  tasks = np.asarray(tasks)
  return (np.asarray(values, np.float64) - r_random[tasks]) / (r_ref - r_random)[tasks]


def normalize(segments: np.ndarray, schedule: Schedule, r_random: Sequence[float],
              r_ref: Sequence[float]) -> np.ndarray:
  """[..., segments] returns -> (R - R_random) / (R_ref - R_random) of each segment's task.

  Args:
    segments: [..., segments] returns.
    schedule: the schedule the returns were trained on.
    r_random, r_ref: per task, the random policy's and the reference's return.

  Raises:
    ValueError: a task whose R_ref equals its R_random.
  """
  return _on_yardstick(segments, [seg.task for seg in schedule.segments()], r_random, r_ref)


def normalize_updates(curves: np.ndarray, schedule: Schedule, r_random: Sequence[float],
                      r_ref: Sequence[float]) -> np.ndarray:
  """[..., updates] returns -> each on the yardstick of the task in force at its update.

  Args:
    curves: [..., updates] per-update returns (e.g. a metric's "return").
    schedule: the schedule the returns were trained on.
    r_random, r_ref: per task, the random policy's and the reference's return.

  Raises:
    ValueError: a task whose R_ref equals its R_random.
  """
  return _on_yardstick(curves, schedule.tasks, r_random, r_ref)


def visit_differences(scores: np.ndarray, schedule: Schedule,
                      oracle: Optional[np.ndarray] = None) -> list[dict]:
  """The plasticity-loss test's paired differences, per task and visit k >= 2.

  Args:
    scores: [seeds, segments] one method's (normalised) segment scores.
    schedule: the schedule they were trained on.
    oracle: [seeds, segments] the from-scratch oracle's scores on the same seeds,
      or None.

  Returns:
    One dict per task and visit k >= 2: "task", "visit", "segment" and
    "first_segment" (the segment indices of visit k and of visit 1),
    "minus_first" (the seeds' score at visit k minus at visit 1) and, with
    `oracle`, "minus_oracle" (minus the oracle's score at visit k), each [seeds].
  """
  out = []
  segments = schedule.segments()
  for task in sorted({seg.task for seg in segments}):
    visits = [i for i, seg in enumerate(segments) if seg.task == task]
    for k, i in enumerate(visits[1:], start=2):
      entry = {"task": task, "visit": k, "segment": i, "first_segment": visits[0],
               "minus_first": scores[:, i] - scores[:, visits[0]]}
      if oracle is not None:
        entry["minus_oracle"] = scores[:, i] - oracle[:, i]
      out.append(entry)
  return out


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
