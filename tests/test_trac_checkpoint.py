"""Checkpointing: a TracState saved mid-run and restored continues bit for bit."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import serialization

from trac_optax import trac


@pytest.mark.parametrize("reference", ["implied", "stored"])
def test_round_trip_mid_run_is_bitwise_identical(reference):
  opt = optax.chain(optax.clip_by_global_norm(1.0), trac(optax.adam(3e-2), reference=reference))
  loss = lambda p: jnp.sum((p["w"] - 1.5) ** 2) + jnp.sum(jnp.sin(p["b"]) ** 2)
  params = {"w": jnp.linspace(-1.0, 1.0, 10), "b": jnp.array([0.3, -0.7])}

  @jax.jit
  def step(params, state):
    updates, state = opt.update(jax.grad(loss)(params), state, params)
    return optax.apply_updates(params, updates), state

  state = opt.init(params)
  for _ in range(25):
    params, state = step(params, state)
  saved = serialization.to_bytes({"params": params, "opt_state": state})

  uninterrupted = (params, state)
  for _ in range(25):
    uninterrupted = step(*uninterrupted)

  template = {"params": jax.tree.map(jnp.zeros_like, params),
              "opt_state": opt.init(jax.tree.map(jnp.zeros_like, params))}
  restored = serialization.from_bytes(template, saved)
  resumed = (restored["params"], restored["opt_state"])
  assert int(resumed[1][1].count) == 25
  for _ in range(25):
    resumed = step(*resumed)

  jax.tree.map(np.testing.assert_array_equal, resumed, uninterrupted)
  assert jax.tree.structure(resumed) == jax.tree.structure(uninterrupted)
