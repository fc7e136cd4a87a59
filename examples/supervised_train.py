"""One continual supervised run as one jitted scan, and a grid of them over devices.

`make_train(benchmark, network, method)` returns `train(key, hparams)`: a
`lax.scan` over the tasks whose body is a `lax.scan` over the task's steps,
so `jax.vmap(train)` trains every seed and setting of a method at once. At each
step the learner is scored on the minibatch *before* it updates on it (the
online error or accuracy of the source protocols), then takes one optimizer
step. Per task it records the mean of that measure and, at the task's end, the
plasticity diagnostics of `examples.ppo.diagnostics` on a probe batch of the
task (dormant units at tau = 0 and 0.1, |theta|, |theta - theta_0|) and
TRAC's scale S.

`run_grid` lays the runs out as `examples.grid` does for the RL grid: per
method one flat run axis (seed-major), padded to a multiple of the device count
and sharded over a one-axis mesh "runs" (`examples.grid.device_mesh`); seed i
gets the same key (the same target network, permutations, label shuffles,
initial network and minibatch order) under every method and setting.
"""

import dataclasses
import math
from typing import Optional, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

import trac_optax
from examples.grid import Progress, seed_key_array
from examples.methods import Method
from examples.ppo import diagnostics
from examples.supervised_tasks import Benchmark

METRICS = ("measure", "loss", "dormant_0.0", "dormant_0.1", "param_norm",
           "distance_from_init", "scale")


class MLP(nn.Module):
  """ReLU MLP with Kaiming-uniform weights and zero biases (the source's `FFNN`/`DeepFFNN`).

  Each hidden layer's output is sown into "activations" for the dormant-unit
  diagnostics. Returns [B] for one output, else [B, num_outputs] logits.
  """

  hidden_sizes: Sequence[int]
  num_outputs: int

  @nn.compact
  def __call__(self, x):
    kaiming = lambda gain: nn.initializers.variance_scaling(gain, "fan_in", "uniform")
    for i, size in enumerate(self.hidden_sizes):
      x = nn.relu(nn.Dense(size, kernel_init=kaiming(2.0), name=f"hidden_{i}")(x))
      self.sow("activations", f"hidden_{i}_out", x)
    out = nn.Dense(self.num_outputs, kernel_init=kaiming(1.0), name="out")(x)
    return out[:, 0] if self.num_outputs == 1 else out


def _loss_and_measure(kind: str, out: jax.Array, y: jax.Array):
  """(loss, per-step measure): MSE and the squared error, or cross-entropy and accuracy."""
  if kind == "mse":
    error = jnp.mean((out - y) ** 2)
    return error, error
  loss = optax.softmax_cross_entropy_with_integer_labels(out, y).mean()
  return loss, jnp.mean(jnp.argmax(out, -1) == y)


def _scale(opt_state) -> jax.Array:
  """TRAC's S, or NaN when the optimizer holds no TRAC (decided when tracing)."""
  try:
    return trac_optax.get_scale(opt_state)
  except ValueError:
    return jnp.array(jnp.nan, jnp.float32)


def make_train(bench: Benchmark, network: nn.Module, method: Method, on_progress=None,
               progress_every: int = 0):
  """The pure training function of one run of `method` through `bench`.

  Args:
    bench: the benchmark (`examples.supervised_tasks`).
    network: maps [B, input_size] to [B] (regression) or [B, classes] logits and
      sows its hidden activations.
    method: from `examples.methods.METHODS`; `method.make(**hparams)` builds the
      optimizer, `method.reset_at_switch` re-initialises params and optimizer
      state at every task change.
    on_progress: optional host function `(task_index, task_index)`, called
      through `jax.debug.callback` every `progress_every` tasks (the signature of
      `examples.grid.Progress`).
    progress_every: tasks between two progress calls; 0: never.

  Returns:
    `train(key, hparams) -> {metric: [num_tasks]}`, metrics as in `METRICS`:
    "measure" is the task's mean online squared error or accuracy, "loss" its
    mean loss, the others are read at the task's last step.

  Example:
    >>> from examples.methods import METHODS
    >>> from examples.supervised_tasks import regression
    >>> bench = regression(num_tasks=2, examples_per_task=8)
    >>> train = make_train(bench, MLP((5,), 1), METHODS["adam"])
    >>> train(jax.random.key(0), {"lr": 1e-2})["measure"].shape
    (2,)
  """

  def train(key, hparams):
    tx = method.make(**hparams)
    k_world, k_net, k_data = jax.random.split(key, 3)
    world = bench.world(k_world)
    params_0 = {"params": network.init(k_net, jnp.zeros((1, bench.input_size)))["params"]}

    def loss_fn(params, x, y):
      return _loss_and_measure(bench.loss, network.apply(params, x), y)

    def step(carry, step_input):
      params, opt_state, task = carry
      x, y = bench.batch(world, task, step_input)
      (loss, measure), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, x, y)
      updates, opt_state = tx.update(grads, opt_state, params)
      return (optax.apply_updates(params, updates), opt_state, task), (loss, measure)

    def run_task(carry, k):
      params, opt_state = carry
      if method.reset_at_switch:  # k comes from the scan's xs: unbatched, a real branch
        params, opt_state = jax.lax.cond(
            k > 0, lambda: (params_0, tx.init(params_0)), lambda: (params, opt_state))
      task = bench.task(world, k)
      steps = bench.steps(task, jax.random.fold_in(k_data, k))
      (params, opt_state, _), (loss, measure) = jax.lax.scan(
          step, (params, opt_state, task), steps)
      metrics = {"measure": measure.mean(), "loss": loss.mean(), "scale": _scale(opt_state),
                 **diagnostics(network, params, params_0, bench.probe(world, task))}
      if on_progress is not None and progress_every > 0:
        jax.lax.cond(k % progress_every == 0,
                     lambda: jax.debug.callback(on_progress, k, k), lambda: None)
      return (params, opt_state), metrics

    _, metrics = jax.lax.scan(run_task, (params_0, tx.init(params_0)),
                              jnp.arange(bench.num_tasks))
    return metrics

  return train


@dataclasses.dataclass
class SupervisedGrid:
  """What `run_grid` returns.

  Attributes:
    metrics: {method name: {metric: array [seeds, settings, tasks]}}.
    configs: {method name: its settings, in the order of the settings axis}.
    devices: how many devices the grid was split over.
  """

  metrics: dict[str, dict[str, np.ndarray]]
  configs: dict[str, list[dict[str, float]]]
  devices: int


def run_grid(bench: Benchmark, network: nn.Module, methods: Sequence[Method],
             lrs: Sequence[float], num_seeds: int, seed: int = 0, progress_every: int = 0,
             mesh: Optional[Mesh] = None) -> SupervisedGrid:
  """Trains every method x setting x seed through `bench` in one jitted call.

  Args:
    bench: the benchmark.
    network: as for `make_train`.
    methods: each runs over `method.configs(lrs)`.
    lrs: the learning rates.
    num_seeds: seeds per method and setting.
    seed: base seed; seed i's key is `examples.grid.seed_key_array(seed, n)[i]`.
    progress_every: print a progress line every this many tasks (0: never).
    mesh: an `examples.grid.device_mesh`, or None for one device.

  Returns:
    A `SupervisedGrid`.
  """
  seed_keys = seed_key_array(seed, num_seeds)
  devices = 1 if mesh is None else mesh.size
  task_names = [f"task {k}" for k in range(bench.num_tasks)]
  trains, inputs, configs = {}, {}, {}
  for method in methods:
    settings = method.configs(lrs)
    progress = (Progress(method.label, bench.num_tasks, task_names) if progress_every else None)
    trains[method.name] = make_train(bench, network, method, progress, progress_every)
    runs = num_seeds * len(settings)
    # Run r is (seed, setting) = divmod(r, settings); padding repeats the last run.
    run_seed, run_setting = np.divmod(
        np.minimum(np.arange(math.ceil(runs / devices) * devices), runs - 1), len(settings))
    hparams = {name: np.asarray([settings[s][name] for s in run_setting], np.float32)
               for name in settings[0]}
    keys = seed_keys[run_seed]
    if method.needs_key:  # the same key for every setting of a seed, apart from the data's
      hparams["key"] = jax.vmap(lambda k: jax.random.fold_in(k, 1))(keys)
    inputs[method.name], configs[method.name] = (keys, hparams), settings

  def grid(inputs):
    return {name: jax.vmap(train)(*inputs[name]) for name, train in trains.items()}

  if mesh is None:
    out = jax.jit(grid)(inputs)
  else:
    sharding = NamedSharding(mesh, PartitionSpec("runs"))
    out = jax.jit(grid, out_shardings=sharding)(jax.device_put(inputs, sharding))
  metrics = {}
  for name, settings in configs.items():
    runs = num_seeds * len(settings)
    metrics[name] = {k: np.asarray(v)[:runs].reshape(num_seeds, len(settings), -1)
                     for k, v in jax.block_until_ready(out[name]).items()}
  return SupervisedGrid(metrics, configs, devices)
