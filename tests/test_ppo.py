"""examples/ppo.py: PPO learns, and one jitted call trains a seeds x lrs grid."""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_enable_concurrency_optimized_scheduler=false")

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import trac_optax
from examples.ppo import PRESETS, PPOConfig, make_train

RANDOM_CARTPOLE_RETURN = 22  # a uniformly random policy's mean episode return


def test_config_counts_env_steps():
  config = PPOConfig(num_envs=8, num_steps=64, num_levels=3, updates_per_level=5)
  assert config.steps_per_update == 512
  assert config.num_updates == 15
  assert config.total_env_steps == 15 * 512


def test_minibatches_must_divide_the_batch():
  with pytest.raises(ValueError, match="divisible"):
    make_train(PPOConfig(num_envs=3, num_steps=10, num_minibatches=4), optax.adam(1e-3))


@pytest.mark.timeout(180)
def test_ppo_learns_plain_cartpole():
  config = dataclasses.replace(PRESETS["purejaxrl"], updates_per_level=60)  # ~31k env steps
  train = jax.jit(jax.vmap(make_train(config, optax.adam)))
  returns = np.asarray(train(jax.random.split(jax.random.key(0), 2))["metrics"]["return"])
  assert returns.shape == (2, 60)
  early, late = np.nanmean(returns[:, :3]), np.mean(returns[:, -10:])
  assert early < 2 * RANDOM_CARTPOLE_RETURN
  assert late > 5 * RANDOM_CARTPOLE_RETURN, late


@pytest.mark.timeout(180)
def test_one_call_trains_seeds_lrs_and_both_optimizers():
  config = PPOConfig(num_envs=2, num_steps=16, num_minibatches=2, num_epochs=1,
                     num_levels=2, updates_per_level=2, hidden_sizes=(8,))
  trains = {"adam": make_train(config, optax.adam),
            "trac": make_train(config, lambda lr: trac_optax.trac(optax.adam(lr)))}

  @jax.jit
  def grid(rngs, lrs):
    return {name: jax.vmap(jax.vmap(train, in_axes=(None, 0)), in_axes=(0, None))(rngs, lrs)
            for name, train in trains.items()}

  out = grid(jax.random.split(jax.random.key(1), 3), jnp.array([1e-3, 1e-2]))
  for name in trains:
    metrics = out[name]["metrics"]
    for key in ("return", "level", "scale", "entropy", "value_loss"):
      assert metrics[key].shape == (3, 2, 4), (name, key)
    np.testing.assert_array_equal(metrics["level"][0, 0], [0, 0, 1, 1])
  scale = np.asarray(out["trac"]["metrics"]["scale"])
  assert np.all(np.isfinite(scale)) and np.all(scale >= 0) and np.any(scale > 0)
  assert np.all(np.isnan(out["adam"]["metrics"]["scale"]))
  # The learning rate is a traced argument: each lr gives its own run.
  kernel = np.asarray(jax.tree.leaves(out["adam"]["params"])[-1])  # [seeds, lrs, ...]
  assert not np.allclose(kernel[:, 0], kernel[:, 1])
