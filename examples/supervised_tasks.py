"""The three continual supervised benchmarks: their data, as pure functions of a key.

A benchmark is plain data plus pure functions, so a whole run (every task, every
step) is one `jax.lax.scan` inside which the data are made:

* `regression`: slowly-changing regression (Dohare et al., Nature 2024), the
  "bit-flipping" problem. A fixed random target network of linear threshold
  units (LTUs) maps m = 20 binary inputs to y; the first f = 15 inputs are
  "slow" bits, the same for T examples (a task), and at each task change
  exactly one of them, chosen at random, flips; the other m - f bits are fresh
  coin flips for every example. The learner sees each example once (online).
* `permuted`: permuted-input MNIST-1D. Every task applies a fresh random
  permutation to the 40 positions of every input; the labels stay.
* `random_labels`: random-label MNIST-1D. A fixed subset of the inputs, whose
  labels are shuffled afresh at every task (a permutation of the true label
  vector, so every class keeps its count): each task is pure memorisation.

MNIST-1D (Greydanus, 2020) is generated offline from its templates with the
package's default arguments (4,000 training sequences of length 40, 10
classes; the 1,000 test sequences are unused) and cached as a `.npz` in the
system's temporary folder.

Each benchmark is a `Benchmark`: `world(key)` draws what stays fixed in a run
(the target network and the slow bits of every task; the permutations or label
shuffles of every task), `task(world, k)` is task k's data, `steps(task, key)`
the inputs of its steps (one scan step each), `batch(world, task, step)` one
minibatch `(x, y)`, and `probe(world, task)` a fixed batch of task inputs on
which the diagnostics are read.

References:
  Dohare, Hernandez-Garcia, Lan, Rahman, Mahmood & Sutton, `Loss of plasticity
  in deep continual learning <https://doi.org/10.1038/s41586-024-07711-7>`_,
  Nature 2024 (code: github.com/shibhansh/loss-of-plasticity).
  Kumar, Marklund & Van Roy, `Maintaining Plasticity in Continual Learning via
  Regenerative Regularization <https://arxiv.org/abs/2308.11958>`_, 2023.
  Lyle, Zheng, Nikishin, Avila Pires, Pascanu & Dabney, `Understanding
  plasticity in neural networks <https://arxiv.org/abs/2303.01486>`_, ICML 2023.
  Greydanus, `Scaling down Deep Learning <https://arxiv.org/abs/2011.14439>`_, 2020.
"""

import dataclasses
import hashlib
import os
import tempfile
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

BENCHMARKS = ("regression", "permuted", "random_labels")
PROBE_SIZE = 256  # inputs on which the diagnostics are read at each task's end

# Slowly-changing regression, as in the source's configurations.
NUM_INPUTS = 20  # m
NUM_SLOW_BITS = 15  # f
TARGET_FEATURES = 100  # LTUs of the target network
LTU_BETA = 0.7  # the LTU thresholds' beta


@dataclasses.dataclass(frozen=True)
class Benchmark:
  """One continual supervised benchmark (see the module docstring).

  Attributes:
    name: one of `BENCHMARKS`.
    num_tasks: tasks in a run.
    steps_per_task: optimizer steps per task.
    batch_size: examples per step.
    input_size: features of an input.
    num_outputs: 1 (regression) or the number of classes.
    loss: "mse" or "xent".
    world: key -> what stays fixed in a run.
    task: (world, task index) -> the task's data.
    steps: (task, key) -> a pytree with a leading axis of `steps_per_task`.
    batch: (world, task, one step's slice of `steps`) -> (x [B, input_size], y [B]).
    probe: (world, task) -> [PROBE_SIZE, input_size] inputs of the task.
    about: the protocol in one line.
  """

  name: str
  num_tasks: int
  steps_per_task: int
  batch_size: int
  input_size: int
  num_outputs: int
  loss: str
  world: Callable[[jax.Array], Any]
  task: Callable[[Any, jax.Array], Any]
  steps: Callable[[Any, jax.Array], Any]
  batch: Callable[[Any, Any, Any], tuple[jax.Array, jax.Array]]
  probe: Callable[[Any, Any], jax.Array]
  about: str = ""

  @property
  def examples_per_task(self) -> int:
    return self.steps_per_task * self.batch_size


# ---------------------------------------------------------------------------
# Slowly-changing regression


def ltu_target(key: jax.Array, num_inputs: int = NUM_INPUTS,
               num_features: int = TARGET_FEATURES, beta: float = LTU_BETA) -> dict:
  """The target network: weights and biases in {-1, +1}, LTU thresholds tau.

  Unit i fires (outputs 1) when its input w_i . x + b_i exceeds
  tau_i = beta (m + 1) - S_i, with S_i = (m - sum_j w_ij + b_i) / 2 as in the
  source, so that a unit fires on a fraction of inputs set by beta.
  """
  k1, k2, k3, k4 = jax.random.split(key, 4)
  sign = lambda k, shape: 2.0 * jax.random.bernoulli(k, 0.5, shape).astype(jnp.float32) - 1.0
  w1, b1 = sign(k1, (num_inputs, num_features)), sign(k2, (num_features,))
  w2, b2 = sign(k3, (num_features,)), sign(k4, ())
  tau = beta * (num_inputs + 1) - (num_inputs - jnp.sum(w1, axis=0) + b1) / 2
  return {"w1": w1, "b1": b1, "w2": w2, "b2": b2, "tau": tau}


def ltu_predict(target: dict, x: jax.Array) -> jax.Array:
  """[B, m] binary inputs -> [B] targets y = w2 . LTU(x w1 + b1) + b2."""
  features = (x @ target["w1"] + target["b1"] > target["tau"]).astype(jnp.float32)
  return features @ target["w2"] + target["b2"]


def slow_bits(key: jax.Array, num_tasks: int, num_slow: int = NUM_SLOW_BITS) -> jax.Array:
  """[num_tasks, num_slow] float 0/1: random bits for task 0, then exactly one flip per task.

  The bit flipped at change k (from task k - 1 to task k) is drawn uniformly.
  """
  k_first, k_flips = jax.random.split(key)
  first = jax.random.bernoulli(k_first, 0.5, (num_slow,)).astype(jnp.int32)
  flips = jax.nn.one_hot(jax.random.randint(k_flips, (num_tasks - 1,), 0, num_slow), num_slow,
                         dtype=jnp.int32)
  flipped = jnp.concatenate([jnp.zeros((1, num_slow), jnp.int32), jnp.cumsum(flips, 0)]) % 2
  return (first[None] ^ flipped).astype(jnp.float32)


def regression(num_tasks: int, examples_per_task: int, batch_size: int = 1) -> Benchmark:
  """Slowly-changing regression: `examples_per_task` examples between two bit flips.

  Args:
    num_tasks: tasks (slow-bit settings) in a run; num_tasks - 1 flips.
    examples_per_task: T, the examples between two flips (the source's 10,000).
    batch_size: examples per optimizer step (the source's 1); must divide T.

  Returns:
    A `Benchmark` with loss "mse" whose per-step measure is the squared error.

  Example:
    >>> bench = regression(num_tasks=3, examples_per_task=10)
    >>> world = bench.world(jax.random.key(0))
    >>> int(jnp.sum(world["slow"][1] != world["slow"][0]))
    1
  """
  if examples_per_task % batch_size:
    raise ValueError(f"the batch size ({batch_size}) must divide the examples per task "
                     f"({examples_per_task})")
  steps_per_task = examples_per_task // batch_size
  num_fast = NUM_INPUTS - NUM_SLOW_BITS

  def world(key):
    k_target, k_slow = jax.random.split(key)
    return {"target": ltu_target(k_target), "slow": slow_bits(k_slow, num_tasks)}

  def inputs(slow, key, n):
    fast = jax.random.bernoulli(key, 0.5, (n, num_fast)).astype(jnp.float32)
    return jnp.concatenate([jnp.broadcast_to(slow, (n, NUM_SLOW_BITS)), fast], axis=1)

  def batch(world, slow, key):
    x = inputs(slow, key, batch_size)
    return x, ltu_predict(world["target"], x)

  return Benchmark(
      name="regression", num_tasks=num_tasks, steps_per_task=steps_per_task,
      batch_size=batch_size, input_size=NUM_INPUTS, num_outputs=1, loss="mse",
      world=world,
      task=lambda world, k: world["slow"][k],
      steps=lambda slow, key: jax.random.split(key, steps_per_task),
      batch=batch,
      probe=lambda world, slow: inputs(slow, jax.random.key(1), PROBE_SIZE),
      about=f"slowly-changing regression: m = {NUM_INPUTS} bits, f = {NUM_SLOW_BITS} slow, "
            f"one flip every {examples_per_task} examples, LTU target of {TARGET_FEATURES} "
            f"units (beta {LTU_BETA})")


# ---------------------------------------------------------------------------
# MNIST-1D


def mnist1d(cache_dir: str | None = None) -> tuple[np.ndarray, np.ndarray]:
  """MNIST-1D's training split, generated offline: (x [4000, 40] float32, y [4000] int32).

  `mnist1d.data.make_dataset(get_dataset_args())`, the package's defaults (its
  `get_dataset` downloads, and is never called). The arrays are cached in
  `cache_dir` (default: the system's temporary folder).
  """
  from mnist1d.data import get_dataset_args, make_dataset

  args = get_dataset_args()
  tag = hashlib.sha1(repr(sorted(vars(args).items())).encode()).hexdigest()[:10]
  path = os.path.join(cache_dir or tempfile.gettempdir(), f"trac_optax-mnist1d-{tag}.npz")
  if os.path.exists(path):
    with np.load(path) as data:
      return data["x"], data["y"]
  data = make_dataset(args)
  x, y = np.asarray(data["x"], np.float32), np.asarray(data["y"], np.int32)
  tmp = f"{path}.{os.getpid()}.npz"
  np.savez(tmp, x=x, y=y)
  os.replace(tmp, path)  # atomic: concurrent runs never read half a file
  return x, y


def _classification(name: str, x: np.ndarray, y: np.ndarray, num_tasks: int, epochs: int,
                    batch_size: int, task: Callable, about: str) -> Benchmark:
  """A benchmark of `epochs` shuffled passes per task over (x, y), as `task` transforms them.

  `task(world, k)` returns (x_k, y_k) for task k; each epoch visits every example
  once in a fresh order, in minibatches of `batch_size` (which must divide N).
  """
  n = x.shape[0]
  if n % batch_size:
    raise ValueError(f"the batch size ({batch_size}) must divide the examples per task ({n})")
  steps_per_epoch = n // batch_size

  def steps(task, key):
    orders = jax.vmap(lambda k: jax.random.permutation(k, n))(jax.random.split(key, epochs))
    return orders.reshape(epochs * steps_per_epoch, batch_size)

  def batch(world, task, index):
    x_k, y_k = task
    return x_k[index], y_k[index]

  return Benchmark(
      name=name, num_tasks=num_tasks, steps_per_task=epochs * steps_per_epoch,
      batch_size=batch_size, input_size=x.shape[1], num_outputs=int(y.max()) + 1, loss="xent",
      world=lambda key: jax.random.split(key, num_tasks), task=task, steps=steps, batch=batch,
      probe=lambda world, task: task[0][:PROBE_SIZE], about=about)


def permuted(num_tasks: int, epochs: int = 1, batch_size: int = 16,
             data: tuple[np.ndarray, np.ndarray] | None = None) -> Benchmark:
  """Permuted-input MNIST-1D: task k permutes the 40 input positions with pi_k.

  Task 0 is permuted too (every task is a fresh random permutation).

  Args:
    num_tasks: permutations in a run.
    epochs: passes over the 4,000 training sequences per task (the source: 1).
    batch_size: examples per step (the source: 1); must divide 4,000.
    data: (x, y) in place of MNIST-1D (for tests).

  Returns:
    A `Benchmark` with loss "xent" whose per-step measure is the accuracy.

  Example:
    >>> x, y = np.eye(4, dtype=np.float32), np.arange(4)
    >>> bench = permuted(num_tasks=2, batch_size=2, data=(x, y))
    >>> x_1, y_1 = bench.task(bench.world(jax.random.key(0)), 1)
    >>> sorted(np.argmax(x_1, 1).tolist())
    [0, 1, 2, 3]
  """
  x, y = mnist1d() if data is None else data
  x_, y_ = jnp.asarray(x), jnp.asarray(y)

  def task(world, k):
    return x_[:, jax.random.permutation(world[k], x_.shape[1])], y_

  return _classification(
      "permuted", x, y, num_tasks, epochs, batch_size, task,
      f"permuted-input MNIST-1D: {x.shape[0]} sequences of {x.shape[1]}, a fresh input "
      f"permutation per task, {epochs} epoch(s) of batches of {batch_size}")


def random_labels(num_tasks: int, subset: int = 1000, epochs: int = 20, batch_size: int = 50,
                  data: tuple[np.ndarray, np.ndarray] | None = None) -> Benchmark:
  """Random-label MNIST-1D: the first `subset` sequences, labels shuffled per task.

  Task k's labels are y[sigma_k], sigma_k a fresh random permutation of the
  subset (task 0's too), so every class keeps its count and the labels carry no
  information about the inputs.

  Args:
    num_tasks: label shuffles in a run.
    subset: sequences memorised (the first of MNIST-1D's training split).
    epochs: passes over the subset per task.
    batch_size: examples per step; must divide `subset`.
    data: (x, y) in place of MNIST-1D (for tests).

  Returns:
    A `Benchmark` with loss "xent" whose per-step measure is the accuracy.

  Example:
    >>> x, y = np.zeros((6, 2), np.float32), np.arange(6) % 3
    >>> bench = random_labels(num_tasks=2, subset=6, batch_size=3, data=(x, y))
    >>> _, y_1 = bench.task(bench.world(jax.random.key(0)), 1)
    >>> np.bincount(np.asarray(y_1)).tolist()
    [2, 2, 2]
  """
  x, y = mnist1d() if data is None else data
  if not 1 <= subset <= x.shape[0]:
    raise ValueError(f"the subset must be between 1 and {x.shape[0]} sequences, got {subset}")
  x, y = x[:subset], y[:subset]
  x_, y_ = jnp.asarray(x), jnp.asarray(y)

  def task(world, k):
    return x_, y_[jax.random.permutation(world[k], subset)]

  return _classification(
      "random_labels", x, y, num_tasks, epochs, batch_size, task,
      f"random-label MNIST-1D: {subset} sequences of {x.shape[1]}, labels shuffled per task, "
      f"{epochs} epochs of batches of {batch_size}")
