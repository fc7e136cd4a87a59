"""examples/plasticity.py: the diagnostics measure what they say; each has one name and label."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import trac_optax
from examples import plasticity
from examples.networks import MLPActorCritic
from examples.trac_rebuilt import trac_rebuilt_delta


def test_dormant_fraction_is_redos_score():
  # Layer a: unit means |h| = (0, 1, 2, 3) -> scores (0, 2/3, 4/3, 2). Layer b: (1, 1).
  a = jnp.array([[0.0, 1.0, -2.0, 3.0], [0.0, -1.0, 2.0, 3.0]])
  b = jnp.ones((2, 3, 3, 2))  # a convolution: a unit is a channel
  activations = {"a": (a,), "b": (b,)}
  assert float(plasticity.dormant_fraction(activations, 0.0)) == pytest.approx(1 / 6)
  assert float(plasticity.dormant_fraction(activations, 0.7)) == pytest.approx(2 / 6)
  assert float(plasticity.dormant_fraction({"dead": (jnp.zeros((4, 3)),)}, 0.0)) == 1.0


def test_every_measured_diagnostic_is_listed_once_with_its_label():
  network = MLPActorCritic(2, (8,), "relu")
  obs = jnp.ones((4, 3))
  params = {"params": network.init(jax.random.key(0), obs)["params"]}
  out = plasticity.diagnostics(network, params, params, obs)
  keys = [d.key for d in plasticity.DIAGNOSTICS]
  assert len(set(keys)) == len(keys)
  assert set(out) | {"scale", "entropy"} == set(keys)
  assert [f"dormant_{tau}" for tau in plasticity.DORMANT_THRESHOLDS] == keys[:2]
  assert all(d.label and d.column for d in plasticity.DIAGNOSTICS)
  assert [d.key for d in plasticity.measured(out)] == [k for k in keys if k in out]


def test_trac_scale_reads_trac_the_rebuilt_tuner_or_gives_nan():
  params = {"w": jnp.zeros(3)}
  assert float(plasticity.trac_scale(trac_optax.trac(optax.adam(1e-3)).init(params))) == 0.0
  assert float(plasticity.trac_scale(trac_rebuilt_delta(optax.adam(1e-3)).init(params))) == 0.0
  assert np.isnan(float(plasticity.trac_scale(optax.adam(1e-3).init(params))))
  chained = optax.chain(optax.clip_by_global_norm(1.0), trac_optax.trac(optax.adam(1e-3)))
  assert float(jax.jit(plasticity.trac_scale)(chained.init(params))) == 0.0
