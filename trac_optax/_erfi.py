"""The imaginary error function erfi(x) = -i erf(ix) = 2/sqrt(pi) int_0^x exp(t^2) dt.

Neither JAX nor SciPy-on-JAX ships erfi, and TRAC evaluates it on every step, so
this is a small kernel of our own, accurate to a few ulps in float32 and float64:

* |x| < x0: the Maclaurin series, all of whose terms are positive,

      erfi(x) = x P(x^2),   P(t) = 2/sqrt(pi) sum_n t^n / (n! (2n + 1)),

  evaluated by Horner's rule in t / x0^2 (so no coefficient underflows).
  Rounding t = fl(x^2) would cost up to ~t/2 ulps (d log P / d log t ~ t), so
  the exact residual dt = x^2 - t is added back to first order,
  P(t + dt) ~ P(t) (1 + dt P'(t)/P(t)), with P'/P from a degree-6 polynomial
  fitted at import time (0.3% is plenty: the correction itself is a few ulps).
* |x| >= x0: Dawson-function asymptotics, erfi(x) = 2/sqrt(pi) exp(x^2) D(x) with

      D(x) ~ 1/(2x) sum_k (2k - 1)!! / (2x^2)^k,

  truncated near its smallest term (error below 0.3 ulp at x0), and exp(x^2)
  evaluated without the rounding error of fl(x^2): x = hi + lo with hi^2 exact,
  exp(x^2) = exp(hi^2 / 2)^2 exp(lo (2 hi + lo)), multiplied in an order that
  does not overflow before the result does.

Both branches are a few dozen fused multiply-adds; on CPU and GPU they are
computed for every element and selected, which is cheaper than branching.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_ONE_OVER_SQRT_PI = 1.0 / math.sqrt(math.pi)


class _Plan(NamedTuple):
  """How erfi is evaluated in one floating-point format."""
  x0: float                 # series below, asymptotics at and above
  series: tuple[float, ...]  # P's coefficients for the variable t / x0^2, highest first
  log_slope: tuple[float, ...]  # P'(t) / P(t) fitted in t / x0^2 (to ~1%), highest first
  asymptotic: tuple[float, ...]  # (2k-1)!! / (2 x0^2)^k, for the variable x0^2 / x^2
  split_mask: int           # keeps the high half of the significand of x
  uint: type                # unsigned integer type of the same width
  x_max: float              # beyond this erfi(x) is inf in this format


def _plan(x0: float, n_series: int, n_asymptotic: int, split_mask: int,
          uint, x_max: float) -> _Plan:
  t0 = x0 * x0
  series = [_TWO_OVER_SQRT_PI * t0**n / (math.factorial(n) * (2 * n + 1))
            for n in range(n_series)]
  # P'/P on [0, t0], from the series itself, fitted by a degree-6 polynomial in
  # z = t / t0 (Chebyshev least squares, then monomials): within 0.3% in both formats.
  z = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, 512))
  p = np.polynomial.polynomial.polyval(z, series)
  dp = np.polynomial.polynomial.polyval(z, np.polynomial.polynomial.polyder(series)) / t0
  fit = np.polynomial.chebyshev.Chebyshev.fit(z, dp / p, 6, domain=[0.0, 1.0])
  log_slope = fit.convert(kind=np.polynomial.Polynomial, domain=[0.0, 1.0], window=[0.0, 1.0]).coef
  # (2k - 1)!! / (2 t0)^k, by the ratio of consecutive terms.
  asymptotic = [1.0]
  for k in range(1, n_asymptotic + 1):
    asymptotic.append(asymptotic[-1] * (2 * k - 1) / (2 * t0))
  return _Plan(x0, tuple(series[::-1]), tuple(float(c) for c in log_slope[::-1]),
               tuple(asymptotic[::-1]), split_mask, uint, x_max)


# Term counts: the series is cut where its next term is below 2^-26 (f32) or
# 2^-55 (f64) of the sum at x0; the asymptotic series at its smallest term at x0.
_PLANS = {
    np.dtype(np.float32): _plan(4.0, 43, 15, 0xFFFFF000, np.uint32, 9.6),
    np.dtype(np.float64): _plan(6.0, 97, 35, 0xFFFFFFFFF8000000, np.uint64, 26.7),
}


def _compute_dtype(dtype) -> np.dtype:
  """float64 stays float64; every other float (bf16, f16, f32) computes in f32."""
  return np.dtype(np.float64) if np.dtype(dtype) == np.float64 else np.dtype(np.float32)


def _horner(coefficients, z):
  acc = jnp.full_like(z, coefficients[0])
  for c in coefficients[1:]:
    acc = acc * z + c
  return acc


def _split(a, plan: _Plan):
  """a = hi + lo exactly, with hi * hi exact in a's format (Dekker's split)."""
  bits = jax.lax.bitcast_convert_type(a, plan.uint)
  hi = jax.lax.bitcast_convert_type(bits & plan.uint(plan.split_mask), a.dtype)
  return hi, a - hi


def _exp_square_times(a, factor, plan: _Plan):
  """exp(a^2) * factor for a >= 0, without the rounding error of fl(a^2).

  exp(hi^2 / 2) is applied twice so that no intermediate overflows before the
  product does; hi^2 / 2 is exact.
  """
  hi, lo = _split(a, plan)
  half = jnp.exp(hi * hi * 0.5)
  return half * (half * (jnp.exp(lo * (hi + hi + lo)) * factor))


def _erfi_nonnegative(a, plan: _Plan):
  """erfi(a) for a >= 0 (and +inf, NaN) in a float32 or float64 array."""
  t0 = plan.x0 * plan.x0

  # Series branch, evaluated at min(a, x0) so that it stays finite everywhere.
  s = jnp.minimum(a, plan.x0)
  t = s * s
  hi, lo = _split(s, plan)
  dt = ((hi * hi - t) + (hi + hi) * lo) + lo * lo  # exactly s^2 - t
  z = t * (1.0 / t0)
  p = _horner(plan.series, z)
  # P(s^2) = P(t + dt) ~ P(t) (1 + dt P'(t)/P(t)); the correction is at most ~t/2
  # ulps, so P'/P is needed only roughly: the fitted polynomial does.
  series = s * (p + p * (_horner(plan.log_slope, z) * dt))

  # Asymptotic branch, evaluated at max(a, x0); clamping a large keeps inf -> inf
  # (not inf - inf in the split) and changes nothing: the result is inf anyway.
  b = jnp.clip(a, plan.x0, 2.0 * plan.x_max)
  reciprocal = 1.0 / b
  q = _horner(plan.asymptotic, t0 * reciprocal * reciprocal)
  asymptotic = _exp_square_times(b, q * (_ONE_OVER_SQRT_PI * reciprocal), plan)

  return jnp.where(a < plan.x0, series, asymptotic)


@jax.custom_jvp
def _erfi(x):
  plan = _PLANS[np.dtype(x.dtype)]
  return jnp.copysign(_erfi_nonnegative(jnp.abs(x), plan), x)


@_erfi.defjvp
def _erfi_jvp(primals, tangents):
  (x,), (x_dot,) = primals, tangents
  plan = _PLANS[np.dtype(x.dtype)]
  derivative = _exp_square_times(jnp.abs(x), _TWO_OVER_SQRT_PI, plan)
  return _erfi(x), derivative * x_dot


def erfi(x: jax.typing.ArrayLike) -> jax.Array:
  r"""The imaginary error function, :math:`\mathrm{erfi}(x) = -i\,\mathrm{erf}(ix)`.

  .. math::
    \mathrm{erfi}(x) = \frac{2}{\sqrt{\pi}} \int_0^x e^{t^2}\, dt,
    \qquad \frac{d}{dx}\mathrm{erfi}(x) = \frac{2}{\sqrt{\pi}} e^{x^2}.

  A power series near zero and Dawson-function asymptotics beyond (see the
  module docstring). Works under ``jit``, ``vmap`` and ``grad`` (custom JVP with
  the closed-form derivative). Float32 results are within 8 ulps (typically 2)
  of the true value wherever that is finite in float32, float64 results within
  64 ulps (typically 3).

  Saturation: erfi grows like exp(x^2), so it overflows at |x| = 9.568 in
  float32 (26.714 in float64). Beyond that it returns +-inf with the sign of x,
  as ``jnp.exp`` does; it never returns NaN for a non-NaN input. (XLA on CPU
  flushes subnormal inputs to zero, so there erfi(x) is 0 rather than ~1.13 x.)

  Args:
    x: a real array. bfloat16 and float16 inputs are computed in float32 and
      rounded back; integers are promoted to the default float type.

  Returns:
    erfi(x), with the dtype of ``x`` (or the default float type for integers).

  Example:
    >>> import jax.numpy as jnp
    >>> from trac_optax import erfi
    >>> [round(float(y), 4) for y in erfi(jnp.array([0.0, 1.0, -2.0]))]
    [0.0, 1.6504, -18.5648]
  """
  x = jnp.asarray(x)
  if not jnp.issubdtype(x.dtype, jnp.floating):
    x = x.astype(jnp.result_type(float))
  compute = _compute_dtype(x.dtype)
  return _erfi(x.astype(compute)).astype(x.dtype)


def erfi_max_argument(dtype) -> float:
  """The largest |x| with erfi(x) comfortably finite in ``dtype``'s compute format."""
  return {np.dtype(np.float32): 9.0, np.dtype(np.float64): 26.0}[_compute_dtype(dtype)]
