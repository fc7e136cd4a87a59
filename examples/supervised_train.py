"""One continual supervised run as one jitted scan, and a grid of them over devices.

`make_train(benchmark, network, method)` returns `train(key, hparams)`: a
`lax.scan` over the tasks whose body is a `lax.scan` over the task's steps,
so `jax.vmap(train)` trains every seed and setting of a method at once. At each
step the learner is scored on the minibatch *before* it updates on it (the
online error or accuracy of the source protocols), then takes one optimizer
step. Per task it records the mean of that measure and, at the task's end, the
plasticity diagnostics of `examples.plasticity.diagnostics` on a probe batch of the
task (dormant units at tau = 0 and 0.1, |theta|, |theta - theta_0|) and
TRAC's scale S.

`run_grid` runs the grid as `examples.grid` does the RL one (`examples.runner`:
chunks of runs, segments of tasks, the same numbers on any number of devices,
saved after every segment when asked); seed i gets the same key (the same
target network, permutations, label shuffles, initial network and minibatch
order) under every method and setting.
"""

from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from examples.grid import Grid, run_methods
from examples.methods import Method
from examples.plasticity import diagnostics, trac_scale
from examples.runner import Program
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


def make_train(bench: Benchmark, network: nn.Module, method: Method):
  """The pure training function of one run of `method` through `bench`.

  Args:
    bench: the benchmark (`examples.supervised_tasks`).
    network: maps [B, input_size] to [B] (regression) or [B, classes] logits and
      sows its hidden activations.
    method: from `examples.methods.METHODS`; `method.make(**hparams)` builds the
      optimizer, `method.reset_at_switch` re-initialises params and optimizer
      state at every task change.

  Returns:
    `train(key, hparams) -> {metric: [num_tasks]}`, metrics as in `METRICS`:
    "measure" is the task's mean online squared error or accuracy, "loss" its
    mean loss, the others are read at the task's last step. `train.program` is
    the same run as an `examples.runner.Program` (init, and advance through a
    stretch of tasks), for the grid.

  Example:
    >>> from examples.methods import METHODS
    >>> from examples.supervised_tasks import regression
    >>> bench = regression(num_tasks=2, examples_per_task=8)
    >>> train = make_train(bench, MLP((5,), 1), METHODS["adam"])
    >>> train(jax.random.key(0), {"lr": 1e-2})["measure"].shape
    (2,)
  """

  def start(key):
    """What a run draws from its key: its world (targets, data, permutations), its
    initial params and the key of its minibatches."""
    k_world, k_net, k_data = jax.random.split(key, 3)
    params_0 = {"params": network.init(k_net, jnp.zeros((1, bench.input_size)))["params"]}
    return bench.world(k_world), params_0, k_data

  def init(key, hparams):
    _, params_0, _ = start(key)
    return params_0, method.make(**hparams).init(params_0), key

  def advance(carry, hparams, ks):
    """The run through the tasks `ks` (indices into the benchmark's tasks)."""
    params, opt_state, key = carry
    world, params_0, k_data = start(key)  # drawn again, not carried: the same every time
    tx = method.make(**hparams)

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
      metrics = {"measure": measure.mean(), "loss": loss.mean(), "scale": trac_scale(opt_state),
                 **diagnostics(network, params, params_0, bench.probe(world, task))}
      return (params, opt_state), metrics

    (params, opt_state), metrics = jax.lax.scan(run_task, (params, opt_state), ks)
    return (params, opt_state, key), metrics

  def train(key, hparams):
    return advance(init(key, hparams), hparams, jnp.arange(bench.num_tasks))[1]

  train.program = Program(init, advance, jnp.arange(bench.num_tasks))
  return train


def run_grid(bench: Benchmark, network: nn.Module, methods: Sequence[Method],
             lrs: Sequence[float], num_seeds: int, seed: int = 0, **options) -> Grid:
  """Trains every method x setting x seed through `bench` (see `examples.grid.run_methods`).

  Args:
    bench: the benchmark.
    network: as for `make_train`.
    methods: each runs over `method.configs(lrs)`.
    lrs: the learning rates.
    num_seeds: seeds per method and setting.
    seed: base seed; seed i's key is `examples.grid.seed_key_array(seed, n)[i]`.
    **options: as for `examples.grid.run_methods`; a step is one task.

  Returns:
    A `Grid` whose metrics are [seeds, settings, tasks].
  """
  programs = {m.name: make_train(bench, network, m).program for m in methods}
  return run_methods(programs, methods, lrs, num_seeds, seed, **options)
