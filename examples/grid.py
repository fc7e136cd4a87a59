"""A lifelong grid (methods x settings x seeds) in one jitted call, sharded over devices.

Every run of the grid is one `train(rng, hparams)` of `examples.ppo`. For each
method, the runs (seed x setting, seed-major) form one flat run axis that is
`vmap`ped; the methods, whose optimizer states differ, are traced side by side
into the same program. With several devices the run axis of every method is
padded to a multiple of the device count and placed on a one-axis mesh
("runs"), so XLA splits the grid over the devices; the padding is dropped from
the outputs. Seed i gets the same key (the same initial network, shifts and
environment randomness) under every method and setting, whatever the split, so
comparisons are paired and results do not depend on the number of devices.

Across hosts (`jax.distributed.initialize()` first), the mesh spans every
process's devices; each process builds the same inputs, and `run_grid` gathers
the outputs so that every process returns the whole grid.
"""

import dataclasses
import math
import time
import sys
from typing import Optional, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from examples.methods import Method
from examples.ppo import PPOConfig, make_train
from examples.tasks import Schedule, TaskSet


@dataclasses.dataclass
class Grid:
  """What `run_grid` returns.

  Attributes:
    metrics: {method name: {metric: array [seeds, settings, updates]}}.
    configs: {method name: the settings, in the order of the settings axis}.
    devices: how many devices the grid was split over.
    runs: {method name: number of runs (seeds x settings), padding excluded}.
    layout: {method name: runs held by each device, padding included}, e.g.
      [2, 2, 2] for 5 runs on 3 devices; [runs] on one device.
  """

  metrics: dict[str, dict[str, np.ndarray]]
  configs: dict[str, list[dict[str, float]]]
  devices: int
  runs: dict[str, int]
  layout: dict[str, list[int]] = dataclasses.field(default_factory=dict)


class Progress:
  """Host-side progress line for one method, fed by `jax.debug.callback`.

  With several devices each device may report the same update; only the first
  report of an update is printed.
  """

  def __init__(self, label: str, num_updates: int, task_names: Sequence[str]):
    self.label, self.num_updates, self.task_names = label, num_updates, task_names
    self.start, self.last = None, -1

  def __call__(self, update_index, task):
    update_index, task = int(update_index), int(task)
    if update_index == self.last:
      return
    self.last = update_index
    now = time.perf_counter()
    if self.start is None or update_index == 0:
      self.start = now
    done = update_index / self.num_updates
    eta = f", ~{(now - self.start) * (1 - done) / done:.0f}s left" if done > 0 else ""
    print(f"  {self.label:>12.12}: update {update_index:>5}/{self.num_updates}, "
          f"{self.task_names[task]}, {now - self.start:.0f}s{eta}", file=sys.stderr, flush=True)


def seed_key_array(seed: int, num_seeds: int) -> jax.Array:
  """The keys of seeds 0..num_seeds-1: seed i's is `fold_in(key(seed), i)`."""
  base = jax.random.key(seed)
  return jax.vmap(lambda i: jax.random.fold_in(base, i))(jnp.arange(num_seeds))


def device_mesh(num_devices: Optional[int] = None) -> Optional[Mesh]:
  """A one-axis mesh "runs" over the first `num_devices` devices (default: all).

  Returns None for one device: the grid then runs as a plain `jit`.
  """
  devices = jax.devices()
  if num_devices is not None:
    if not 1 <= num_devices <= len(devices):
      raise ValueError(f"--devices must be between 1 and {len(devices)} (the devices "
                       f"JAX sees), got {num_devices}")
    devices = devices[:num_devices]
  return Mesh(np.asarray(devices), ("runs",)) if len(devices) > 1 else None


def run_grid(
    tasks: TaskSet,
    schedule: Schedule,
    config: PPOConfig,
    network,
    methods: Sequence[Method],
    lrs: Sequence[float],
    num_seeds: int,
    seed: int = 0,
    progress: bool = True,
    mesh: Optional[Mesh] = None,
) -> Grid:
  """Trains every method x setting x seed through `schedule` in one jitted call.

  Args:
    tasks, schedule, config, network: as for `examples.ppo.make_train`.
    methods: the methods to run, each over `method.configs(lrs)`.
    lrs: the learning rates.
    num_seeds: seeds per method and setting.
    seed: base random seed; seed i's key is `fold_in(key(seed), i)`, the same
      whatever the number of seeds, methods, settings or devices.
    progress: print a progress line every `config.progress_every` updates.
    mesh: a `device_mesh`, or None for one device.

  Returns:
    A `Grid`.
  """
  return GridProgram(tasks, schedule, config, network, methods, lrs, num_seeds, seed, progress,
                     mesh).run()


class GridProgram:
  """A grid's jitted program and its inputs (already placed on the mesh): `run_grid` in two steps.

  `run()` calls the program and returns the `Grid`; `call()` only calls it and
  blocks, for timing (the first call compiles). Arguments as for `run_grid`.
  """

  def __init__(self, tasks: TaskSet, schedule: Schedule, config: PPOConfig, network,
               methods: Sequence[Method], lrs: Sequence[float], num_seeds: int, seed: int = 0,
               progress: bool = True, mesh: Optional[Mesh] = None):
    seed_keys = seed_key_array(seed, num_seeds)
    self.num_seeds = num_seeds
    self.num_devices = 1 if mesh is None else mesh.size
    trains, inputs, self.configs, self.runs = {}, {}, {}, {}
    for method in methods:
      settings = method.configs(lrs)
      on_progress = (Progress(method.label, schedule.num_updates, tasks.task_names)
                     if progress and config.progress_every > 0 else None)
      trains[method.name] = make_train(config, tasks, network, method.make, schedule,
                                       reset_at_switch=method.reset_at_switch,
                                       on_progress=on_progress)
      num_runs = num_seeds * len(settings)
      padded = math.ceil(num_runs / self.num_devices) * self.num_devices
      # Run r is seed r // settings, setting r % settings; the padding repeats the last run.
      run = np.minimum(np.arange(padded), num_runs - 1)
      run_seed, run_setting = run // len(settings), run % len(settings)
      hparams = {name: np.asarray([settings[s][name] for s in run_setting], np.float32)
                 for name in settings[0]}
      keys = seed_keys[run_seed]
      if method.needs_key:  # a key of the run's own, the same for every setting of a seed
        hparams["key"] = jax.vmap(lambda k: jax.random.fold_in(k, 1))(keys)
      inputs[method.name] = (keys, hparams)
      self.configs[method.name], self.runs[method.name] = settings, num_runs

    def grid(inputs):
      return {name: jax.vmap(train)(*inputs[name])["metrics"] for name, train in trains.items()}

    if mesh is None:
      self.program, self.inputs = jax.jit(grid), inputs
    else:
      sharding = NamedSharding(mesh, PartitionSpec("runs"))
      self.program = jax.jit(grid, out_shardings=sharding)
      self.inputs = jax.tree.map(lambda x: _place(x, sharding), inputs)

  def call(self) -> dict:
    return jax.block_until_ready(self.program(self.inputs))

  def run(self) -> Grid:
    out = self.call()
    metrics, layout = {}, {}
    for name, settings in self.configs.items():
      metrics[name] = {
          key: _gather(value)[:self.runs[name]].reshape(self.num_seeds, len(settings), -1)
          for key, value in out[name].items()}
      first = next(iter(out[name].values()))
      layout[name] = [shard.data.shape[0] for shard in sorted(
          first.addressable_shards, key=lambda shard: shard.device.id)]
    return Grid(metrics, self.configs, self.num_devices, self.runs, layout)


def _place(x, sharding: NamedSharding) -> jax.Array:
  """A global array from host data that every process holds in full."""
  if jax.dtypes.issubdtype(getattr(x, "dtype", None), jax.dtypes.prng_key):
    data = jax.random.key_data(x)
    return jax.random.wrap_key_data(_place(np.asarray(data), sharding))
  x = np.asarray(x)
  return jax.make_array_from_callback(x.shape, sharding, lambda index: x[index])


def _gather(x: jax.Array) -> np.ndarray:
  """The whole array on this host (all processes' shards when running on several)."""
  if jax.process_count() > 1 and not x.is_fully_addressable:
    from jax.experimental import multihost_utils
    return np.asarray(multihost_utils.process_allgather(x, tiled=True))
  return np.asarray(x)
