"""examples/stats.py: segment returns, the yardstick, normalisation and the tuning-cost curve."""

import math

import numpy as np
import pytest

from examples import stats
from examples.tasks import Schedule


def test_segment_returns_weight_episodes():
  schedule = Schedule.levels(2, 2)
  metrics = {"return": np.array([[10.0, np.nan, 1.0, 3.0]]),
             "episodes": np.array([[1, 0, 3, 1]])}
  # Segment 0: one episode of 10; segment 1: 3 episodes of mean 1, one of 3.
  np.testing.assert_allclose(stats.segment_returns(metrics, schedule), [[10.0, 1.5]])
  empty = {"return": np.full((1, 4), np.nan), "episodes": np.zeros((1, 4), int)}
  assert np.isnan(stats.segment_returns(empty, schedule)).all()


def test_mean_se_is_the_standard_error():
  x = np.array([1.0, 2.0, 3.0, 4.0])
  mean, se = stats.mean_se(x)
  assert mean == 2.5 and se == pytest.approx(np.std(x, ddof=1) / 2)
  mean, se = stats.mean_se(np.array([1.0, np.nan]))
  assert mean == 1.0 and np.isnan(se)


def test_yardstick_is_the_best_setting_of_the_from_scratch_runs():
  schedule = Schedule.cycles(2, 1, 2)  # tasks 0 1 0 1
  reset = np.array([  # [seeds=2, settings=2, segments=4]
      [[1.0, 10.0, 3.0, 10.0], [4.0, 2.0, 4.0, 2.0]],
      [[1.0, 20.0, 3.0, 20.0], [4.0, 4.0, 4.0, 4.0]],
  ])
  # Task 0: setting 0 averages 2, setting 1 averages 4; task 1: 15 against 3.
  np.testing.assert_allclose(stats.yardstick(reset, schedule, 2), [4.0, 15.0])
  normalized = stats.normalize(np.array([[2.0, 30.0, 4.0, 0.0]]), schedule, [4.0, 15.0])
  np.testing.assert_allclose(normalized, [[0.5, 2.0, 1.0, 0.0]])
  # A game the fresh network earned nothing on normalises nothing.
  assert np.isnan(stats.normalize(np.ones((1, 4)), schedule, [0.0, 15.0])[0, [0, 2]]).all()


def test_ranking_spread_and_bootstrap():
  scores = np.array([[1.0, 3.0, 2.0, 4.0], [1.0, 3.0, 2.0, 4.0]])
  assert stats.rank_settings(scores) == (3, 1)  # best 4.0; median: ranked 2nd of 4 -> 3.0
  assert stats.spread(scores) == 3.0
  assert stats.spread(-scores) == 3.0  # defined for negative returns too
  ratio, low, high = stats.bootstrap_ratio(np.array([2.0, 4.0, 6.0]), np.array([1.0, 2.0, 3.0]))
  assert ratio == 2.0 and low == pytest.approx(2.0) and high == pytest.approx(2.0)
  ratio, low, high = stats.bootstrap_ratio(np.array([1.0, 3.0, 2.0, 5.0]), np.ones(4))
  assert low < ratio < high
  assert math.isnan(stats.bootstrap_ratio(np.array([-2.0, -3.0]), np.array([-1.0, -1.0]))[0])


def test_expected_best_of_k():
  curve = stats.expected_best_of_k([1.0, 2.0, 3.0, 4.0])
  # k=2: the best of the 6 pairs, averaged: (2 + 3 + 4 + 3 + 4 + 4) / 6.
  np.testing.assert_allclose(curve, [2.5, 20 / 6, 3.75, 4.0])
  assert stats.expected_best_of_k([5.0]).tolist() == [5.0]
  assert math.isclose(stats.expected_best_of_k([1.0, np.nan, 3.0])[0], 2.0)
