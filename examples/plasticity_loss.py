"""The plasticity-loss test: does a method learn a task worse when it comes back to it?

Per method (at its best setting), task and visit k >= 2, paired by seed
(`examples.scoring.visit_differences`): the seeds' score at visit k minus at
visit 1, and minus the from-scratch oracle's score at visit k, each a mean and
an IQM with 95% stratified-bootstrap intervals (`examples.stats`). A method
loses plasticity on a task when, at its last visit, an interval lies below zero:
"worse than visit 1", "worse than a fresh network", or both.
"""

from typing import Mapping, Sequence

import numpy as np

from examples import scoring, stats
from examples.methods import with_role
from examples.tasks import Schedule


def plasticity_test(scores: Mapping[str, np.ndarray], methods: Mapping[str, dict],
                    task_names: Sequence[str], schedule: Schedule,
                    reps: int = stats.BOOTSTRAP_REPS) -> list[dict]:
  """Does a method learn a task worse when it comes back to it? Per method (best setting),
  task and visit k >= 2, paired by seed (see `examples.scoring.visit_differences`).

  Args:
    scores: per method, [seeds, settings, segments] (normalised) segment scores.
    methods: the summary's methods (their best settings).
    task_names: the name of each task.
    schedule: the schedule the scores were trained on.
    reps: bootstrap resamples per interval.

  Returns:
    One dict per method, task and visit k >= 2 (none when no task comes back):
    "first", "this" (visit 1 and visit k), "minus_first", with the oracle in the
    grid "oracle" (its visit k) and "minus_oracle", each a mean and IQM with
    95% stratified-bootstrap intervals; and "verdict" at the last visit: "worse
    than visit 1", "worse than a fresh network", both, or "no loss found".
  """
  oracle_name = with_role("oracle", scores)
  oracle = None if oracle_name is None else scores[oracle_name][:, methods[oracle_name]["best"]]
  out = []
  for name, score in scores.items():
    own = score[:, methods[name]["best"]]
    versus = None if name == oracle_name else oracle
    tests = scoring.visit_differences(own, schedule, versus)
    last = {t["task"]: t["visit"] for t in tests}
    for t in tests:
      entry = {"method": name, "setting": methods[name]["best"],
               "task": task_names[t["task"]], "visit": t["visit"],
               "first": stats.interval(own[:, t["first_segment"]], reps),
               "this": stats.interval(own[:, t["segment"]], reps),
               "minus_first": stats.interval(t["minus_first"], reps)}
      if "minus_oracle" in t:
        entry["oracle"] = stats.interval(versus[:, t["segment"]], reps)
        entry["minus_oracle"] = stats.interval(t["minus_oracle"], reps)
      if t["visit"] == last[t["task"]]:
        entry["verdict"] = _verdict(entry)
      out.append(entry)
  return out


def _verdict(entry: dict) -> str:
  """What the last visit's intervals say: below visit 1 and/or below the oracle, or neither."""
  worse = [what for key, what in (("minus_first", "visit 1"),
                                  ("minus_oracle", "a fresh network"))
           if key in entry and entry[key]["mean_high"] < 0]
  return "worse than " + " and than ".join(worse) if worse else "no loss found"
