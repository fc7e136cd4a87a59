"""Misuse caught where it can be (nested trac), measurable where it cannot (anchor_error)."""

import typing
import warnings

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


# ---------------------------------------------------------------------------
# The anchor check: a misordered chain shows without a params-sized buffer


def _train(opt, steps=300, params=None):
  params = PARAMS if params is None else params
  state = opt.init(params)

  @jax.jit
  def step(params, state):
    updates, state = opt.update(_grads(params), state, params)
    return optax.apply_updates(params, updates), state

  for _ in range(steps):
    params, state = step(params, state)
  return params, state


@pytest.mark.parametrize("params", [PARAMS, {"w": jnp.zeros(16), "b": jnp.zeros(())}],
                         ids=["nonzero", "zeros"])
def test_the_documented_order_stays_at_rounding_and_does_not_warn(params, recwarn):
  _trac._warned_drift[0] = False
  _, state = _train(optax.chain(optax.clip(0.1), trac_optax.trac(optax.adam(1e-2))), params=params)
  assert float(trac_optax.anchor_drift(state)) < 1e-5
  trac_optax.get_scale(state)
  assert not [w for w in recwarn if "pulls back to has moved" in str(w.message)]


@pytest.mark.parametrize("after", [optax.clip(1e-4), optax.add_decayed_weights(1e-3),
                                   optax.scale_by_schedule(optax.linear_schedule(1.0, 0.0, 300))],
                         ids=["clip", "decay", "schedule"])
def test_a_transformation_after_trac_trips_the_check_and_get_scale_warns_once(after):
  _trac._warned_drift[0] = False
  _, state = _train(optax.chain(trac_optax.trac(optax.adam(1e-2)), after))
  assert float(trac_optax.anchor_drift(state)) > trac_optax.ANCHOR_TOLERANCE
  with pytest.warns(UserWarning, match="Keep trac last in the chain"):
    trac_optax.get_scale(state)
  with warnings.catch_warnings():
    warnings.simplefilter("error")  # once per process, not at every log line
    trac_optax.get_scale(state)
  _trac._warned_drift[0] = False


def test_the_check_works_under_vmap_and_inside_jit():
  opt = optax.chain(trac_optax.trac(optax.adam(1e-2)), optax.clip(1e-4))
  params = jax.vmap(lambda k: {"w": jax.random.normal(k, (16,)), "b": jnp.ones(())})(
      jax.random.split(jax.random.key(0), 3))
  state = jax.vmap(opt.init)(params)

  @jax.jit
  def steps(params, state):
    def one(carry, _):
      p, s = carry
      u, s = jax.vmap(opt.update)(jax.vmap(_grads)(p), s, p)
      return (optax.apply_updates(p, u), s), None
    (p, s), _ = jax.lax.scan(one, (params, state), None, length=200)
    return jax.vmap(trac_optax.anchor_drift)(s)

  drift = np.asarray(steps(params, state))
  assert drift.shape == (3,) and (drift > trac_optax.ANCHOR_TOLERANCE).all()


def test_the_check_is_off_where_it_cannot_apply_or_is_not_wanted():
  for opt in (trac_optax.trac(optax.adam(1e-3), check_anchor=False),
              trac_optax.trac(optax.adam(1e-3), reference="stored")):
    state = opt.init(PARAMS)
    assert state.anchor_check is None
    with pytest.raises(ValueError, match="does not check its anchor"):
      trac_optax.anchor_drift(state)
  with pytest.raises(ValueError, match="check_anchor` must be True or False"):
    trac_optax.trac(optax.adam(1e-3), check_anchor="yes")


def test_the_check_changes_no_update():
  """The check only reads: the params and S are bitwise those without it."""
  checked = _train(trac_optax.trac(optax.adam(1e-2)), steps=50)
  unchecked = _train(trac_optax.trac(optax.adam(1e-2), check_anchor=False), steps=50)
  jax.tree.map(np.testing.assert_array_equal, checked[0], unchecked[0])
  np.testing.assert_array_equal(trac_optax.get_scale(checked[1]),
                                trac_optax.get_scale(unchecked[1]))


@pytest.mark.parametrize("leaf", [jnp.zeros(3, jnp.int32), jnp.zeros(3, jnp.uint8),
                                  jnp.zeros(3, jnp.bool_), jnp.zeros(3, jnp.complex64)],
                         ids=["int32", "uint8", "bool", "complex64"])
def test_params_that_are_not_real_floats_raise_at_init_naming_the_leaf(leaf):
  opt = trac_optax.trac(optax.adam(1e-3))
  with pytest.raises(ValueError, match=r"real floating-point array, got \w+ at \['count'\]"):
    opt.init({"w": jnp.ones(3), "count": leaf})
