"""Scores of a lifelong run: per segment, per run, on the yardstick, and the paired visit differences."""

import numpy as np
import pytest

from examples import scoring
from examples.tasks import Schedule


def test_segment_returns_weight_episodes():
  schedule = Schedule.levels(2, 2)
  metrics = {"return": np.array([[10.0, np.nan, 1.0, 3.0]]),
             "episodes": np.array([[1, 0, 3, 1]])}
  # Segment 0: one episode of 10; segment 1: 3 episodes of mean 1, one of 3.
  np.testing.assert_allclose(scoring.segment_returns(metrics, schedule), [[10.0, 1.5]])
  empty = {"return": np.full((1, 4), np.nan), "episodes": np.zeros((1, 4), int)}
  assert np.isnan(scoring.segment_returns(empty, schedule)).all()


def test_normalize_is_zero_at_random_and_one_at_the_reference_per_task():
  schedule = Schedule.cycles(2, 1, 2)  # tasks 0 1 0 1
  # Task 0: R_random 1, R_ref 5; task 1: R_random 0, R_ref 10. By hand:
  # (3 - 1) / 4 = 0.5, (10 - 0) / 10 = 1, (1 - 1) / 4 = 0, (-2 - 0) / 10 = -0.2.
  normalized = scoring.normalize(np.array([[3.0, 10.0, 1.0, -2.0]]), schedule, [1.0, 0.0],
                               [5.0, 10.0])
  np.testing.assert_allclose(normalized, [[0.5, 1.0, 0.0, -0.2]])
  with pytest.raises(ValueError, match="R_ref equals"):
    scoring.normalize(np.ones((1, 4)), schedule, [1.0, 0.0], [1.0, 10.0])


def test_normalize_updates_uses_the_task_in_force_at_each_update():
  schedule = Schedule.cycles(2, 2, 1)  # updates on tasks 0 0 1 1
  # Task 0: R_random 1, R_ref 5; task 1: R_random 0, R_ref 10. By hand:
  # (1 - 1) / 4 = 0, (5 - 1) / 4 = 1, (5 - 0) / 10 = 0.5, (-1 - 0) / 10 = -0.1.
  curves = np.array([[1.0, 5.0, 5.0, -1.0], [3.0, 3.0, 10.0, 0.0]])
  np.testing.assert_allclose(scoring.normalize_updates(curves, schedule, [1.0, 0.0], [5.0, 10.0]),
                             [[0.0, 1.0, 0.5, -0.1], [0.5, 0.5, 1.0, 0.0]])
  with pytest.raises(ValueError, match="R_ref equals"):
    scoring.normalize_updates(curves, schedule, [1.0, 0.0], [5.0, 0.0])


def test_visit_differences_pair_each_visit_with_the_first_and_the_oracle():
  schedule = Schedule.cycles(2, 1, 3)  # tasks 0 1 0 1 0 1
  scores = np.array([[1.0, 2.0, 0.5, 2.5, 0.0, 3.0],
                     [2.0, 2.0, 1.0, 2.0, 1.5, 2.0]])
  oracle = np.full((2, 6), 1.0)
  tests = scoring.visit_differences(scores, schedule, oracle)
  assert [(t["task"], t["visit"]) for t in tests] == [(0, 2), (0, 3), (1, 2), (1, 3)]
  assert (tests[1]["segment"], tests[1]["first_segment"]) == (4, 0)
  np.testing.assert_allclose(tests[1]["minus_first"], [-1.0, -0.5])  # segment 4 - segment 0
  np.testing.assert_allclose(tests[1]["minus_oracle"], [-1.0, 0.5])
  np.testing.assert_allclose(tests[3]["minus_first"], [1.0, 0.0])
  assert "minus_oracle" not in scoring.visit_differences(scores, schedule)[0]


def test_ranking_and_spread():
  scores = np.array([[1.0, 3.0, 2.0, 4.0], [1.0, 3.0, 2.0, 4.0]])
  assert scoring.rank_settings(scores) == (3, 1)  # best 4.0; median: ranked 2nd of 4 -> 3.0
  assert scoring.spread(scores) == 3.0
  assert scoring.spread(-scores) == 3.0  # defined for negative returns too
