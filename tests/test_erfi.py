"""erfi: accuracy against scipy and mpmath, symmetry, saturation, derivative, transforms, dtypes."""

import math

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest
import scipy.special

from trac_optax import erfi

F32_EPS = float(np.finfo(np.float32).eps)
F64_EPS = float(np.finfo(np.float64).eps)


def _max_rel_error(actual, expected, smallest=0.0):
  """Max relative error where |expected| > smallest (and is not zero)."""
  actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
  kept = np.abs(expected) > smallest
  return float(np.max(np.abs(actual[kept] - expected[kept]) / np.abs(expected[kept])))


def _finite_in_float32(x):
  """The float32 points of x, and erfi there in float64, where erfi is finite in float32."""
  x = np.asarray(x, np.float32)
  expected = scipy.special.erfi(x.astype(np.float64))
  finite = np.abs(expected) <= np.finfo(np.float32).max
  return x[finite], expected[finite]


def test_float32_within_8_eps_on_a_dense_grid():
  # Everywhere erfi is finite in float32 (|x| < ~9.57), tiny x included down to the
  # smallest normal float32 (XLA on CPU flushes subnormal inputs to zero).
  tiny = float(np.finfo(np.float32).tiny)
  x, expected = _finite_in_float32(np.concatenate([
      np.linspace(-9.6, 9.6, 2_000_001), np.geomspace(tiny, 1.0, 20_000)]))
  assert len(x) > 2_000_000 and np.abs(x).max() > 9.55
  assert _max_rel_error(erfi(jnp.asarray(x)), expected) <= 8 * F32_EPS


def test_float32_near_branch_point_and_overflow():
  x = np.concatenate([
      np.nextafter(np.float32(4.0), np.float32(0), dtype=np.float32) - np.arange(200, dtype=np.float32) * 1e-6,
      np.float32(4.0) + np.arange(200, dtype=np.float32) * 1e-6,
      np.linspace(9.4, 9.6, 1000, dtype=np.float32)]).astype(np.float32)
  x, expected = _finite_in_float32(x)
  assert _max_rel_error(erfi(jnp.asarray(x)), expected) <= 8 * F32_EPS


def test_float64_within_64_eps_against_mpmath():
  # scipy's own float64 erfi errs by ~260 ulps, so mpmath is the oracle here.
  mpmath.mp.dps = 30
  rng = np.random.default_rng(0)
  x = np.concatenate([rng.uniform(0, 26.6, 1500), np.geomspace(1e-300, 26.6, 300),
                      np.linspace(5.99, 6.01, 50), -rng.uniform(0, 26.6, 100)])
  expected = np.array([float(mpmath.erfi(mpmath.mpf(float(v)))) for v in x])
  with jax.enable_x64(True):
    actual = np.asarray(erfi(jnp.asarray(x, jnp.float64)))
    assert actual.dtype == np.float64
  assert _max_rel_error(actual, expected) <= 64 * F64_EPS


def test_odd_and_zero():
  x = jnp.linspace(-12.0, 12.0, 10_001)
  np.testing.assert_array_equal(erfi(-x), -erfi(x))
  assert float(erfi(0.0)) == 0.0
  assert math.copysign(1.0, float(erfi(-0.0))) == -1.0


def test_saturates_to_signed_infinity_and_never_nan():
  x = jnp.array([9.6, 10.0, 1e4, 3e38, jnp.inf])
  np.testing.assert_array_equal(erfi(x), jnp.inf)
  np.testing.assert_array_equal(erfi(-x), -jnp.inf)
  dense = jnp.linspace(-1e4, 1e4, 1_000_001)
  assert not bool(jnp.any(jnp.isnan(erfi(dense))))
  assert bool(jnp.isnan(erfi(jnp.nan)))
  with jax.enable_x64(True):
    big = jnp.array([26.75, 1e300, jnp.inf], jnp.float64)
    np.testing.assert_array_equal(erfi(big), jnp.inf)
    assert bool(jnp.isfinite(erfi(jnp.float64(26.5))))


def test_agrees_with_dawson_oracle():
  # erfi(x) = 2/sqrt(pi) exp(x^2) dawsn(x), a second, independent oracle (scipy's, float64).
  x = jnp.linspace(-8.0, 8.0, 4001, dtype=jnp.float32)
  x64 = np.asarray(x, np.float64)  # the same points, so that x's rounding is not amplified
  via_dawson = 2 / np.sqrt(np.pi) * np.exp(x64 * x64) * scipy.special.dawsn(x64)
  assert _max_rel_error(erfi(x), via_dawson) <= 8 * F32_EPS


def test_jvp_is_closed_form():
  x = jnp.linspace(-9.0, 9.0, 1001)
  grads = jax.vmap(jax.grad(erfi))(x)
  expected = 2 / np.sqrt(np.pi) * np.exp(np.asarray(x, np.float64) ** 2)
  assert _max_rel_error(grads, expected) <= 8 * F32_EPS
  primal, tangent = jax.jvp(erfi, (jnp.float32(1.5),), (jnp.float32(2.0),))
  assert float(tangent) == pytest.approx(2 * 2 / math.sqrt(math.pi) * math.exp(2.25), rel=1e-6)
  assert float(primal) == pytest.approx(float(scipy.special.erfi(1.5)), rel=1e-6)
  # Second derivative: d/dx (2/sqrt(pi) exp(x^2)) = 2x * that.
  assert float(jax.grad(jax.grad(erfi))(1.0)) == pytest.approx(
      2 * 2 / math.sqrt(math.pi) * math.e, rel=1e-5)


def test_jit_vmap_and_shapes():
  x = jnp.arange(24.0).reshape(2, 3, 4) / 5 - 2
  # jit may fuse differently from op-by-op execution: equal to a few ulps.
  np.testing.assert_allclose(jax.jit(erfi)(x), erfi(x), rtol=4 * F32_EPS)
  np.testing.assert_allclose(jax.jit(jax.vmap(erfi))(x), jax.jit(erfi)(x), rtol=4 * F32_EPS)
  assert erfi(x).shape == (2, 3, 4)


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16])
def test_low_precision_inputs_computed_in_float32(dtype):
  x = jnp.linspace(-3.0, 3.0, 101).astype(dtype)
  y = erfi(x)
  assert y.dtype == dtype
  expected = scipy.special.erfi(np.asarray(x, np.float64))
  # One rounding to the output format, nothing more (normal outputs; subnormals lose bits).
  assert _max_rel_error(y, expected, float(jnp.finfo(dtype).tiny)) <= float(jnp.finfo(dtype).eps)
  assert bool(jnp.isinf(erfi(jnp.array(4.0, jnp.float16))))  # 3.5e5 > float16 max


def test_integer_input_is_promoted():
  assert jnp.issubdtype(erfi(jnp.array([0, 1, 2])).dtype, jnp.floating)
  assert float(erfi(2)) == pytest.approx(float(scipy.special.erfi(2.0)), rel=1e-6)
