"""Misuse caught where it can be (nested trac), measurable where it cannot (anchor_error)."""

import typing

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import trac_optax
from trac_optax import _trac
from benchmarks import misorder

PARAMS = {"w": jnp.linspace(-1.0, 1.0, 16), "b": jnp.ones(())}


def _grads(params):
  return {"w": params["w"] - 0.5 + 0.1 * jnp.sin(params["w"] * 7), "b": params["b"] - 2.0}


@pytest.mark.parametrize("inner", [
    lambda: trac_optax.trac(optax.adam(1e-3)),
    lambda: optax.chain(optax.clip(1.0), trac_optax.trac(optax.sgd(1e-2))),
    lambda: optax.inject_hyperparams(trac_optax.trac)(inner=optax.adam(1e-3)),
], ids=["trac", "in_a_chain", "inject_hyperparams"])
def test_trac_inside_trac_raises_at_init(inner):
  opt = trac_optax.trac(inner())
  with pytest.raises(ValueError, match="contains a trac already"):
    opt.init(PARAMS)


def test_one_trac_in_a_chain_with_others_is_accepted():
  opt = optax.chain(optax.clip_by_global_norm(1.0), trac_optax.trac(optax.adamw(1e-3)))
  state = opt.init(PARAMS)
  assert float(trac_optax.get_scale(state)) == 0.0


def test_reference_is_typed_as_the_modes_it_accepts():
  hint = typing.get_type_hints(trac_optax.trac)["reference"]
  assert typing.get_origin(hint) is typing.Literal
  assert typing.get_args(hint) == _trac._REFERENCES


def _run(opt, steps, params=PARAMS):
  """``steps`` jitted updates (a jitted step compiles faster than a scan of them)."""
  state = opt.init(params)

  @jax.jit
  def step(p, s):
    updates, s = opt.update(_grads(p), s, p)
    p = optax.apply_updates(p, updates)
    return p, s, trac_optax.anchor_error(p, s, PARAMS)

  errors = []
  for _ in range(steps):
    params, state, error = step(params, state)
    errors.append(error)
  return params, state, np.asarray(errors)


@pytest.mark.parametrize("reference", ["implied", "stored"])
def test_anchor_error_is_a_rounding_in_the_documented_order(reference):
  opt = optax.chain(optax.clip_by_global_norm(1.0),
                    trac_optax.trac(optax.adam(1e-2), reference=reference))
  params, state, errors = _run(opt, 100)
  assert float(trac_optax.get_scale(state)) > 0.1  # TRAC did move the params
  assert errors.max() < 1e-5
  if reference == "stored":  # the stored theta_ref is used when none is given
    np.testing.assert_allclose(trac_optax.anchor_error(params, state), errors[-1], atol=1e-7)


def test_anchor_error_is_large_in_every_measured_misordering():
  """Each case of benchmarks.misorder chained after (or wrapped around) trac."""
  steps = 60
  for name, opt in misorder.cases(steps, "implied").items():
    errors = _run(opt, steps)[2]
    if name.startswith(("trac last", "instead")):
      assert errors.max() < 1e-5, name
    else:
      assert errors[-1] > 1e-3, name


def test_anchor_error_absolute_and_relative():
  params = {"w": jnp.full(4, 2.0)}
  opt = trac_optax.trac(optax.sgd(0.1))
  state = opt.init(params)
  moved = {"w": params["w"] + jnp.array([3.0, 0.0, 0.0, 4.0])}  # nothing TRAC did: S = 0
  assert float(trac_optax.anchor_error(moved, state, params, relative=False)) == pytest.approx(5.0)
  assert float(trac_optax.anchor_error(moved, state, params)) == pytest.approx(5.0 / 4.0)
  zero = {"w": jnp.zeros(4)}  # ||theta_ref|| = 0: the absolute distance
  assert float(trac_optax.anchor_error(moved, state, zero)) == pytest.approx(
      float(jnp.linalg.norm(moved["w"])))


def test_anchor_error_says_what_it_needs():
  opt = trac_optax.trac(optax.sgd(0.1))
  state = opt.init(PARAMS)
  with pytest.raises(ValueError, match="pass theta_ref="):
    trac_optax.anchor_error(PARAMS, state)
  with pytest.raises(ValueError, match="found 0"):
    trac_optax.anchor_error(PARAMS, optax.adam(1e-3).init(PARAMS), PARAMS)
  two = optax.multi_transform({"a": trac_optax.trac(optax.sgd(0.1)),
                               "b": trac_optax.trac(optax.sgd(0.1))}, {"w": "a", "b": "b"})
  with pytest.raises(ValueError, match="found 2"):
    trac_optax.anchor_error(PARAMS, two.init(PARAMS), PARAMS)
