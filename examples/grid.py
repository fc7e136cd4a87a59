"""A lifelong grid (methods x settings x seeds): every run the same computation on any device.

Every run of the grid is one PPO run of `examples.ppo` (its `Program`: init, and
advance through a stretch of updates). For each method the runs (seed x setting,
seed-major) are cut into chunks of `chunk_size` runs and the updates into
segments, and `examples.runner` runs chunk by chunk, segment by segment, over
the devices (and hosts) JAX sees, saving after every segment when asked. Seed i
gets the same key (the same initial network, shifts and environment randomness)
under every method and setting, and every run goes through the same compiled
computation whatever the number of devices, so comparisons are paired and a
run's numbers do not change when devices are added, or when a grid is
interrupted and resumed.
"""

import dataclasses
from typing import Callable, Optional, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from examples import runner
from examples.methods import Method
from examples.ppo import PPOConfig, make_train
from examples.tasks import Schedule, TaskSet

CHUNK_SIZE = 16  # runs per compiled call; fixed, so results do not depend on the devices


@dataclasses.dataclass
class Grid:
  """What `run_grid` returns.

  Attributes:
    metrics: {method name: {metric: array [seeds, settings, updates]}}.
    configs: {method name: the settings, in the order of the settings axis}.
    devices: how many devices the grid was split over.
    runs: {method name: number of runs (seeds x settings), padding excluded}.
    layout: {method name: runs per chunk and chunks, e.g. [16, 16, 16] for 40 runs
      in chunks of 16 (the last padded)}; empty for a grid loaded from disk.
  """

  metrics: dict[str, dict[str, np.ndarray]]
  configs: dict[str, list[dict[str, float]]]
  devices: int
  runs: dict[str, int]
  layout: dict[str, list[int]] = dataclasses.field(default_factory=dict)


def seed_key_array(seed: int, num_seeds: int) -> jax.Array:
  """The keys of seeds 0..num_seeds-1: seed i's is `fold_in(key(seed), i)`."""
  base = jax.random.key(seed)
  return jax.vmap(lambda i: jax.random.fold_in(base, i))(jnp.arange(num_seeds))


def select_devices(num_devices: Optional[int] = None) -> list:
  """The first `num_devices` devices JAX sees, on every host (default: all).

  Raises:
    ValueError: fewer than 1 or more than JAX sees.
  """
  devices = jax.devices()
  if num_devices is not None:
    if not 1 <= num_devices <= len(devices):
      raise ValueError(f"--devices must be between 1 and {len(devices)} (the devices "
                       f"JAX sees), got {num_devices}")
    devices = devices[:num_devices]
  return devices


def method_runs(method: Method, lrs: Sequence[float], seed_keys: jax.Array
                ) -> tuple[list[dict], runner.Runs]:
  """A method's settings and its runs (seed-major: run r is seed r // settings, setting
  r % settings), each with its seed's key and its setting's hyperparameters."""
  settings = method.configs(lrs)
  run_seed, run_setting = np.divmod(np.arange(len(seed_keys) * len(settings)), len(settings))
  hparams = {name: np.asarray([settings[s][name] for s in run_setting], np.float32)
             for name in settings[0]}
  keys = seed_keys[run_seed]
  if method.needs_key:  # a key of the run's own, the same for every setting of a seed
    hparams["key"] = jax.vmap(lambda k: jax.random.fold_in(k, 1))(keys)
  return settings, runner.Runs(keys, hparams)


def run_methods(programs: dict[str, runner.Program], methods: Sequence[Method],
                lrs: Sequence[float], num_seeds: int, seed: int, *,
                chunk_size: int = CHUNK_SIZE, segment_steps: Optional[int] = None,
                devices: Optional[Sequence] = None, checkpoints: Optional[str] = None,
                resume: bool = False, on_segment: Optional[Callable] = None) -> Grid:
  """Runs every method's program over its settings x seeds (see `examples.runner`).

  Args:
    programs: {method name: its run as a `runner.Program`}.
    methods, lrs: the methods, each over `method.configs(lrs)`.
    num_seeds, seed: seeds per setting; seed i's key is `seed_key_array(seed, n)[i]`.
    chunk_size: runs per compiled call.
    segment_steps: steps between two saves and progress calls (default: the
      whole run in one segment).
    devices: the devices to use (default: all, see `select_devices`).
    checkpoints: folder to save to after every segment (None: no saving).
    resume: continue from the checkpoint in `checkpoints`.
    on_segment: see `runner.run_programs`.

  Returns:
    A `Grid` whose metrics are [seeds, settings, steps].
  """
  seed_keys = seed_key_array(seed, num_seeds)
  configs, runs = {}, {}
  for method in methods:
    configs[method.name], runs[method.name] = method_runs(method, lrs, seed_keys)
  steps = next(iter(programs.values())).num_steps
  out, layout = runner.run_programs(
      programs, runs, chunk_size=chunk_size, segment_steps=segment_steps or steps,
      devices=devices, checkpoints=checkpoints, resume=resume, on_segment=on_segment)
  metrics = {name: {key: value.reshape(num_seeds, len(configs[name]), -1)
                    for key, value in out[name].items()} for name in out}
  return Grid(metrics, configs, layout.devices, {n: r.count for n, r in runs.items()},
              {n: [layout.chunk_size[n]] * layout.chunks[n] for n in out})


def run_grid(tasks: TaskSet, schedule: Schedule, config: PPOConfig, network,
             methods: Sequence[Method], lrs: Sequence[float], num_seeds: int, seed: int = 0,
             **options) -> Grid:
  """Trains every method x setting x seed through `schedule`.

  Args:
    tasks, schedule, config, network: as for `examples.ppo.make_train`.
    methods: the methods to run, each over `method.configs(lrs)`.
    lrs: the learning rates.
    num_seeds: seeds per method and setting.
    seed: base random seed; seed i's key is `fold_in(key(seed), i)`, the same
      whatever the number of seeds, methods, settings or devices.
    **options: as for `run_methods`; a step is one PPO update.

  Returns:
    A `Grid` whose metrics are [seeds, settings, updates].
  """
  programs = {m.name: make_train(config, tasks, network, m.make, schedule,
                                 reset_at_switch=m.reset_at_switch).program for m in methods}
  return run_methods(programs, methods, lrs, num_seeds, seed, **options)
