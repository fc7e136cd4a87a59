"""Runs many independent runs in fixed-size chunks, segment by segment, with checkpoints.

Every experiment here is a set of independent runs (method x setting x seed),
each a pure function of its key and hyperparameters. A method's run is given as
a `Program`: `init(key, hparams) -> carry` and
`advance(carry, hparams, xs) -> (carry, metrics)`, where `xs` are the scan
inputs of a stretch of the run (one entry per step: an update, a task) and
`metrics` has one entry per step.

`run_programs` cuts each method's runs into chunks of `chunk_size` runs (the
last padded by repeating its last run) and the steps into segments of
`segment_steps`. The unit of work is one chunk for one segment: a call of
`jax.jit(jax.vmap(advance))` on one device, always of the same shape. Chunks are
dealt to the devices in turn (chunk u to device u mod D) and dispatched
asynchronously, so D devices work at once. Because the program each run goes
through is the same whatever the number of devices or hosts, a run's numbers
are identical (bitwise) on 1, 2 or 4 devices, on one host or several, and
whether or not the grid was interrupted and resumed.

After every segment the carries and the metrics so far are saved with orbax
(`examples.checkpoints`, when a checkpoint folder is given), so `run_programs(..., resume=True)`
continues from the last segment saved, to the same numbers as an uninterrupted
run. Across hosts (after `jax.distributed.initialize()`) each process runs the
chunks of its own devices; carries are gathered to every process when saved,
and metrics at the end, so every process returns the whole grid and process 0
writes.
"""

from __future__ import annotations

import dataclasses
import math
import time
import weakref
from typing import Any, Callable, Optional, Sequence

import jax
import numpy as np

from examples import checkpoints as checkpoints_io


@dataclasses.dataclass(frozen=True)
class Program:
  """One method's run as two pure functions and the inputs of its steps.

  Attributes:
    init: `(key, hparams) -> carry`, the run's state before its first step.
    advance: `(carry, hparams, xs) -> (carry, metrics)`, the run through the
      steps of `xs` (a pytree whose leaves have a leading step axis); metrics
      is a dict of arrays with that leading axis.
    xs: the inputs of all the run's steps (leading axis: the number of steps),
      the same for every run of the method.
  """

  init: Callable[[jax.Array, dict], Any]
  advance: Callable[[Any, dict, Any], tuple[Any, dict]]
  xs: Any

  @property
  def num_steps(self) -> int:
    return int(jax.tree.leaves(self.xs)[0].shape[0])


@dataclasses.dataclass(frozen=True)
class Runs:
  """The runs of one method: a key and hyperparameters per run (leading axis: runs)."""

  keys: jax.Array  # typed PRNG keys, [runs]
  hparams: dict  # name -> [runs] array (typed keys allowed, e.g. a run's own key)

  @property
  def count(self) -> int:
    return int(self.keys.shape[0])


@dataclasses.dataclass(frozen=True)
class Layout:
  """How the runs are cut into chunks and the chunks dealt to devices.

  Attributes:
    chunk_size: {method: runs per chunk}.
    chunks: {method: number of chunks}.
    devices: how many devices the chunks are dealt to.
  """

  chunk_size: dict[str, int]
  chunks: dict[str, int]
  devices: int

  def units(self) -> list[tuple[str, int]]:
    """Every (method, chunk), in the order they are dealt to devices."""
    return [(name, k) for name, n in self.chunks.items() for k in range(n)]

  def runs_per_device(self) -> list[int]:
    """Runs (padding included) held by each device."""
    held = [0] * self.devices
    for u, (name, _) in enumerate(self.units()):
      held[u % self.devices] += self.chunk_size[name]
    return held


_COMPILED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _compiled(program: Program) -> tuple[Callable, Callable]:
  """The program's init and advance, vmapped over a chunk and jitted; one pair per program,
  so a program run again (a benchmark, a second grid) is not compiled again."""
  if program.advance not in _COMPILED:
    _COMPILED[program.advance] = (
        jax.jit(jax.vmap(program.init)),
        jax.jit(jax.vmap(program.advance, in_axes=(0, 0, None))))
  return _COMPILED[program.advance]


def segments(num_steps: int, segment_steps: int) -> list[tuple[int, int]]:
  """[start, stop) of each segment: `segment_steps` steps each, the last maybe shorter."""
  if segment_steps < 1:
    raise ValueError(f"segment_steps must be >= 1, got {segment_steps}")
  return [(a, min(a + segment_steps, num_steps)) for a in range(0, num_steps, segment_steps)]


def _pad_index(count: int, chunk_size: int) -> np.ndarray:
  """Run index of every slot of the chunks; the last chunk's padding repeats the last run."""
  slots = math.ceil(count / chunk_size) * chunk_size
  return np.minimum(np.arange(slots), count - 1)


class _Devices:
  """The devices chunks are dealt to, and which of them this process may use."""

  def __init__(self, devices: Optional[Sequence[jax.Device]]):
    self.all = list(jax.devices() if devices is None else devices)
    self.local = {d.id for d in self.all if d.process_index == jax.process_index()}
    self.processes = len({d.process_index for d in self.all})

  def of(self, unit: int) -> jax.Device:
    return self.all[unit % len(self.all)]

  def mine(self, unit: int) -> bool:
    return self.of(unit).id in self.local

  def gather(self, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every unit's arrays, from the process that ran it.

    `arrays` has a key "<unit>/..." for every unit: this process's own values, and
    zeros of the same shape for the units other processes ran.
    """
    if self.processes == 1:
      return arrays
    from jax.experimental import multihost_utils
    stacked = multihost_utils.process_allgather(arrays)  # {key: [processes, ...]}
    owner = lambda key: self.of(int(key.split("/", 1)[0])).process_index
    return {key: np.asarray(value)[owner(key)] for key, value in stacked.items()}


def run_programs(
    programs: dict[str, Program],
    runs: dict[str, Runs],
    *,
    chunk_size: int,
    segment_steps: int,
    devices: Optional[Sequence[jax.Device]] = None,
    checkpoints: Optional[str] = None,
    resume: bool = False,
    on_segment: Optional[Callable[[int, int, int, float], None]] = None,
) -> tuple[dict[str, dict[str, np.ndarray]], Layout]:
  """Runs every method's runs through every step, in chunks and segments.

  Args:
    programs: {method: its `Program`}.
    runs: {method: its `Runs`}.
    chunk_size: runs per chunk (a method with fewer runs has one chunk of them
      all). Fixed, never derived from the device count: it decides the compiled
      computation, so the same chunk size gives the same numbers anywhere.
    segment_steps: steps between two checkpoints (and progress calls).
    devices: the devices to deal chunks to (default: every device JAX sees, on
      every host).
    checkpoints: a folder to save to after every segment; None: no saving.
    resume: continue from the last checkpoint in `checkpoints` (which must
      hold one of this same grid).
    on_segment: host function `(segments_done, segments, segments_done_at_start,
      seconds_since_start)` called after every segment (process 0 only).

  Returns:
    ({method: {metric: array [runs, steps]}}, the `Layout`).

  Raises:
    ValueError: a bad chunk or segment size, or `resume` without a checkpoint.
  """
  if chunk_size < 1:
    raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
  devs = _Devices(devices)
  sizes = {name: min(chunk_size, runs[name].count) for name in programs}
  layout = Layout(sizes, {name: math.ceil(runs[name].count / sizes[name]) for name in programs},
                  len(devs.all))
  units = layout.units()
  num_steps = {p.num_steps for p in programs.values()}
  if len(num_steps) != 1:
    raise ValueError(f"every program needs the same number of steps, got {sorted(num_steps)}")
  bounds = segments(num_steps.pop(), segment_steps)

  inits, advances, chunk_inputs, templates = {}, {}, {}, {}
  for name, program in programs.items():
    inits[name], advances[name] = _compiled(program)
    index = _pad_index(runs[name].count, sizes[name]).reshape(-1, sizes[name])
    chunk_inputs[name] = [jax.tree.map(lambda x: x[i], (runs[name].keys, runs[name].hparams))
                          for i in index]
    templates[name] = jax.eval_shape(inits[name], *chunk_inputs[name][0])

  mine = [u for u in range(len(units)) if devs.mine(u)]
  # Each chunk's keys and hyperparameters, placed once on its device.
  placed = {u: jax.device_put(chunk_inputs[units[u][0]][units[u][1]], devs.of(u)) for u in mine}
  store = checkpoints_io.Checkpoints(checkpoints) if checkpoints is not None else None
  carries: dict[int, Any] = {}
  # Per method, per segment (or all segments restored): {metric: [slots, steps]}.
  metrics: dict[str, list[dict]] = {name: [] for name in programs}
  done = 0
  if resume:
    if store is None or store.latest() is None:
      raise ValueError(f"nothing to resume: no checkpoint in {checkpoints}")
    done = store.latest()
    state, meta = store.restore(done)
    if meta["units"] != [list(u) for u in units] or meta["bounds"] != [list(b) for b in bounds]:
      raise ValueError("the checkpoint is of another grid (its chunks or segments differ)")
    for u in mine:
      name, _ = units[u]
      carries[u] = jax.device_put(
          checkpoints_io.from_host(
              templates[name], checkpoints_io.unflatten(templates[name], state, f"carry/{u}")),
          devs.of(u))
    for name in programs:
      prefix = f"metrics/{name}/"
      saved = {k[len(prefix):]: state[k] for k in state if k.startswith(prefix)}
      if saved:
        metrics[name].append(saved)
  else:
    for u in mine:
      carries[u] = inits[units[u][0]](*placed[u])

  metric_shapes: dict[tuple[str, int], dict] = {}  # (method, steps): its chunks' metrics
  first, start = done, time.perf_counter()
  for s in range(done, len(bounds)):
    a, b = bounds[s]
    xs = {name: jax.tree.map(lambda x: x[a:b], p.xs) for name, p in programs.items()}
    outs = {}
    for u in mine:  # dispatched asynchronously: every device works at once
      name = units[u][0]
      carries[u], outs[u] = advances[name](carries[u], placed[u][1],
                                           jax.device_put(xs[name], devs.of(u)))
    local = {}
    for u, (name, k) in enumerate(units):
      if u in outs:
        local.update({f"{u}/{key}": np.asarray(value) for key, value in outs[u].items()})
      else:  # another process's chunk: zeros of its shape, replaced by the gather
        if (name, b - a) not in metric_shapes:
          metric_shapes[name, b - a] = jax.eval_shape(
              advances[name], templates[name], chunk_inputs[name][k][1], xs[name])[1]
        local.update({f"{u}/{key}": np.zeros(x.shape, x.dtype)
                      for key, x in metric_shapes[name, b - a].items()})
    local = devs.gather(local)
    for name in programs:
      chunks = [u for u, unit in enumerate(units) if unit[0] == name]
      metrics[name].append({key: np.concatenate([local[f"{u}/{key}"] for u in chunks])
                            for key in _metric_names(local, chunks[0])})
    # The last segment is saved too: a run that fails after training (in its summary or its
    # figures) resumes to its results without training again.
    if store is not None:
      _save(store, s + 1, carries, units, templates, metrics, bounds, devs)
    if on_segment is not None and jax.process_index() == 0:
      on_segment(s + 1, len(bounds), first, time.perf_counter() - start)

  result = {}
  for name in programs:
    keys = metrics[name][0].keys()
    result[name] = {key: np.concatenate([m[key] for m in metrics[name]], axis=1)[:runs[name].count]
                    for key in keys}
  if store is not None:
    store.close()
  return result, layout


def _metric_names(local: dict[str, np.ndarray], unit: int) -> list[str]:
  """The metric names of `unit` among a segment's "<unit>/<metric>" keys."""
  return [key.split("/", 1)[1] for key in local if key.split("/", 1)[0] == str(unit)]


def _save(store: checkpoints_io.Checkpoints, segments_done: int, carries: dict,
          units: Sequence[tuple[str, int]], templates: dict, metrics: dict,
          bounds: Sequence[tuple[int, int]], devs: _Devices):
  carry = {}
  for u, (name, _) in enumerate(units):  # another process's chunk: zeros, then the gather
    host = (checkpoints_io.to_host(carries[u]) if u in carries
            else checkpoints_io.host_zeros(templates[name]))
    carry.update(checkpoints_io.flatten(host, str(u)))
  state = {f"carry/{key}": value for key, value in devs.gather(carry).items()}
  for name, segs in metrics.items():
    for key in segs[0]:
      state[f"metrics/{name}/{key}"] = np.concatenate([m[key] for m in segs], axis=1)
  store.save(segments_done, state, {"units": [list(u) for u in units],
                                     "bounds": [list(b) for b in bounds]})
