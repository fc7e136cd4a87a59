"""From per-update metrics to a lifelong run's scores: per segment, per run, normalised.

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

Normalised score (game sequences): a fixed yardstick per game g, which no run
changes, (R - R_random(g)) / (R_ref(g) - R_random(g)): 0 for the uniformly random
policy, 1 for the reference return (see `examples.yardstick`). The whole-run
normalised score is the mean over segments.

The plasticity-loss test (`visit_differences`): per game and visit k >= 2, a
seed's score at visit k minus its score at visit 1 (did the same network learn
the game worse when it came back?), and minus the from-scratch oracle's score at
visit k on the same seed (does it learn worse than a fresh network would?).

Statistics over seeds (intervals, probabilities of improvement) are
`examples.stats`.
"""

import warnings
from typing import Optional, Sequence

import numpy as np

from examples.tasks import Schedule


SCORES = ("updates", "episodes")  # see the module docstring


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
