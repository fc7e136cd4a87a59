"""examples/stats.py: standard errors, rliable intervals, probabilities of improvement, tuning cost."""

import math

import numpy as np
import pytest

from examples import stats


def test_mean_se_is_the_standard_error():
  x = np.array([1.0, 2.0, 3.0, 4.0])
  mean, se = stats.mean_se(x)
  assert mean == 2.5 and se == pytest.approx(np.std(x, ddof=1) / 2)
  mean, se = stats.mean_se(np.array([1.0, np.nan]))
  assert mean == 1.0 and np.isnan(se)


def test_expected_best_of_k():
  curve = stats.expected_best_of_k([1.0, 2.0, 3.0, 4.0])
  # k=2: the best of the 6 pairs, averaged: (2 + 3 + 4 + 3 + 4 + 4) / 6.
  np.testing.assert_allclose(curve, [2.5, 20 / 6, 3.75, 4.0])
  assert stats.expected_best_of_k([5.0]).tolist() == [5.0]
  assert math.isclose(stats.expected_best_of_k([1.0, np.nan, 3.0])[0], 2.0)
