"""examples/methods.py: every registered method builds, vmaps over its grid and optimises."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from examples.methods import METHODS


def _loss(params):
  return jnp.sum((params["w"] - 3.0) ** 2) + jnp.sum(params["b"] ** 2)


def _run(method, hparams, steps=200):
  tx = method.make(**hparams)
  params = {"w": jnp.zeros(4), "b": jnp.ones(2)}
  state = tx.init(params)

  def body(carry, _):
    params, state = carry
    grads = jax.grad(_loss)(params)
    updates, state = tx.update(grads, state, params)
    return (optax.apply_updates(params, updates), state), None

  (params, _), _ = jax.lax.scan(body, (params, state), None, steps)
  return _loss(params)


@pytest.mark.parametrize("name", list(METHODS))
def test_every_method_vmaps_over_its_grid_and_optimises(name):
  method = METHODS[name]
  settings = method.configs([1e-2, 5e-2])
  assert len(settings) == 2 * int(np.prod([len(v) for _, v in method.grid]))
  hparams = {k: jnp.asarray([s[k] for s in settings], jnp.float32) for k in settings[0]}
  if method.needs_key:
    hparams["key"] = jax.random.split(jax.random.key(0), len(settings))
  final = np.asarray(jax.jit(jax.vmap(lambda h: _run(method, h)))(hparams))
  assert final.shape == (len(settings),) and np.all(np.isfinite(final))
  assert np.median(final) < _loss({"w": jnp.zeros(4), "b": jnp.ones(2)}) / 2, final


def test_registry_describes_each_method():
  for name, method in METHODS.items():
    assert method.name == name and method.label and method.about
  assert METHODS["reset"].reset_at_switch and not METHODS["adam"].reset_at_switch
  assert METHODS["l2_init"].configs([1e-3])[2] == {"lr": 1e-3, "strength": 1e-2}
  assert METHODS["adam"].describe({"lr": 0.001}) == "lr 0.001"


def test_roles_are_data_on_the_methods():
  from examples.methods import with_role

  assert with_role("oracle", METHODS) == "reset"
  assert with_role("baseline", ["trac", "adam"]) == "adam"
  assert with_role("untuned", ["adam", "trac"]) == "trac"
  assert with_role("oracle", ["adam", "trac"]) is None  # no oracle in this grid
  with pytest.raises(ValueError, match="unknown role"):
    with_role("referee", METHODS)
