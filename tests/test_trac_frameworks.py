"""trac with flax NNX's Optimizer, flax's TrainState and orbax checkpoints; the README's snippets."""

import pathlib
import re

import jax
import jax.numpy as jnp
import numpy as np
import optax
import orbax.checkpoint as ocp
import pytest
from flax import nnx
from flax.training import train_state

from trac_optax import TracState, get_scale, get_scales, trac

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
STEPS = 30


class _MLP(nnx.Module):

  def __init__(self, rngs):
    self.hidden = nnx.Linear(3, 8, rngs=rngs)
    self.out = nnx.Linear(8, 1, rngs=rngs)

  def __call__(self, x):
    return self.out(jnp.tanh(self.hidden(x)))


X = jnp.linspace(-1.0, 1.0, 24).reshape(8, 3)
Y = jnp.sin(3 * X[:, :1])


def _loss(model):
  return jnp.mean((model(X) - Y) ** 2)


def _plain_optax(loss, params, tx, steps):
  """The same training written with optax alone."""
  state = tx.init(params)

  @jax.jit
  def step(params, state):
    updates, state = tx.update(jax.grad(loss)(params), state, params)
    return optax.apply_updates(params, updates), state

  for _ in range(steps):
    params, state = step(params, state)
  return params, state


@pytest.mark.parametrize("reference", ["implied", "stored"])
def test_nnx_optimizer_trains_as_plain_optax_does(reference):
  tx = trac(optax.adam(5e-2), reference=reference)
  model = _MLP(nnx.Rngs(0))
  graphdef, params = nnx.split(model, nnx.Param)
  params = jax.tree.map(jnp.copy, nnx.to_pure_dict(params))  # not the model's own Variables
  optimizer = nnx.Optimizer(model, tx, wrt=nnx.Param)

  @nnx.jit
  def train_step(model, optimizer):
    loss, grads = nnx.value_and_grad(_loss)(model)
    optimizer.update(model, grads)
    return loss, get_scale(optimizer.opt_state)

  for _ in range(STEPS):
    _, S = train_step(model, optimizer)

  expected, expected_state = _plain_optax(
      lambda p: _loss(nnx.merge(graphdef, nnx.State(p))), params, tx, STEPS)
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6),
               nnx.to_pure_dict(nnx.state(model, nnx.Param)), expected)
  assert float(S) > 1e-4  # the tuner grew from s_prev = 1e-8
  np.testing.assert_allclose(S, get_scale(expected_state), rtol=1e-5)
  # Read from the optimizer's state outside jit (the sum over betas may round
  # differently there), and from nnx.state's mapping form.
  np.testing.assert_allclose(get_scale(optimizer.opt_state), S, rtol=1e-6)
  np.testing.assert_array_equal(get_scale(nnx.state(optimizer)), get_scale(optimizer.opt_state))
  np.testing.assert_array_equal(get_scale(nnx.state(optimizer), per_beta=True),
                                get_scale(optimizer.opt_state, per_beta=True))


def test_train_state_applies_trac_as_plain_optax_does():
  tx = trac(optax.adam(5e-2))
  model = _MLP(nnx.Rngs(1))
  graphdef, params = nnx.split(model, nnx.Param)
  params = jax.tree.map(jnp.copy, nnx.to_pure_dict(params))
  apply_fn = lambda p, x: nnx.merge(graphdef, nnx.State(p))(x)
  state = train_state.TrainState.create(apply_fn=apply_fn, params=params, tx=tx)

  @jax.jit
  def train_step(state):
    grads = jax.grad(lambda p: jnp.mean((state.apply_fn(p, X) - Y) ** 2))(state.params)
    return state.apply_gradients(grads=grads)

  for _ in range(STEPS):
    state = train_step(state)
  expected, opt_state = _plain_optax(
      lambda p: jnp.mean((apply_fn(p, X) - Y) ** 2), params, tx, STEPS)
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6),
               state.params, expected)
  assert isinstance(state.opt_state, TracState)
  np.testing.assert_allclose(get_scale(state.opt_state), get_scale(opt_state), rtol=1e-5)
  assert int(state.step) == STEPS


@pytest.mark.parametrize("reference", ["implied", "stored"])
def test_orbax_round_trip_resumes_bit_for_bit(tmp_path, reference):
  tx = optax.chain(optax.clip_by_global_norm(1.0), trac(optax.adam(3e-2), reference=reference))
  loss = lambda p: jnp.sum((p["w"] - 1.5) ** 2) + jnp.sum(jnp.sin(p["b"]) ** 2)
  params = {"w": jnp.linspace(-1.0, 1.0, 10), "b": jnp.array([0.3, -0.7])}

  @jax.jit
  def step(params, state):
    updates, state = tx.update(jax.grad(loss)(params), state, params)
    return optax.apply_updates(params, updates), state

  state = tx.init(params)
  for _ in range(20):
    params, state = step(params, state)
  checkpointer = ocp.StandardCheckpointer()
  checkpointer.save(tmp_path / "ckpt", {"params": params, "opt_state": state})
  checkpointer.wait_until_finished()
  uninterrupted = (params, state)
  for _ in range(20):
    uninterrupted = step(*uninterrupted)

  # With a target (here the shapes of a fresh init): the optax state types come back.
  abstract = jax.eval_shape(lambda: {"params": params, "opt_state": tx.init(params)})
  restored = checkpointer.restore(tmp_path / "ckpt", abstract)
  assert isinstance(restored["opt_state"][1], TracState)
  resumed = (restored["params"], restored["opt_state"])
  for _ in range(20):
    resumed = step(*resumed)
  jax.tree.map(np.testing.assert_array_equal, resumed, uninterrupted)

  # Without a target orbax gives plain dicts and lists; get_scale reads the scale there too.
  raw = checkpointer.restore(tmp_path / "ckpt")
  assert not any(isinstance(x, TracState) for x in jax.tree.leaves(
      raw, is_leaf=lambda x: isinstance(x, TracState)))
  np.testing.assert_array_equal(get_scale(raw), get_scale(state))
  np.testing.assert_array_equal(get_scale(raw["opt_state"], per_beta=True),
                                get_scale(state, per_beta=True))
  assert list(get_scales(raw)) == ["['opt_state'][1]"]


def test_get_scale_ignores_mappings_that_are_not_a_trac_state():
  state = {"count": jnp.zeros([]), "s": jnp.ones(3), "mu": jnp.ones(2)}
  with pytest.raises(ValueError, match="found 0"):
    get_scale(state)


def _readme_section(title):
  text = README.read_text()
  start = text.index(f"\n## {title}\n")
  end = text.find("\n## ", start + 1)
  return text[start:end if end >= 0 else len(text)]


def test_readme_framework_snippets_run(tmp_path, monkeypatch):
  section = _readme_section("With flax NNX, TrainState and orbax")
  blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
  assert len(blocks) == 3
  monkeypatch.chdir(tmp_path)
  namespace = {}
  for block in blocks:
    exec(compile(block, str(README), "exec"), namespace)  # pylint: disable=exec-used
  for name in ("S_nnx", "S_train_state", "S_restored", "S_raw"):
    assert np.isfinite(float(namespace[name])) and float(namespace[name]) > 0, name
  assert float(namespace["S_raw"]) == float(namespace["S_restored"])
