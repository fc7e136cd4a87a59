"""Lifelong tasks behind one gymnax interface, and the schedule that says which is in force.

A lifelong run is a sequence of tasks that one agent meets in turn: levels of one
environment whose observations are shifted (`examples.shifts`), or different
games (`examples.games`). One network and one optimizer state serve the whole
run, and nothing tells the agent or the optimizer when the task changes.

Both kinds are a `TaskSet`: a gymnax environment whose params hold every task and
the index of the one in force, so that changing task is `set_task(params, k)`, a
change of data. PPO (`examples.ppo`) takes the task of each update from a
`Schedule` through the `xs` of its `lax.scan`, so the index stays unbatched under
`vmap` and only the task in force is computed; a whole lifelong run is one
jitted scan, vmapped over seeds and hyperparameters.
"""

import dataclasses
from typing import Any, Callable, Optional

import jax
import numpy as np

# The task kinds this package offers (they live here, apart from gymnax, because
# importing gymnax starts JAX's backend, which a multi-host run must start later).
SHIFT_KINDS = ("offset", "permute", "sign")  # observation shifts, see examples.shifts
MINATAR_GAMES = ("Breakout-MinAtar", "SpaceInvaders-MinAtar", "Asterix-MinAtar",
                 "Freeway-MinAtar", "Seaquest-MinAtar")  # game switching, see examples.games
DEFAULT_GAMES = MINATAR_GAMES[:4]  # Seaquest's env is slow on CPU (about 15x Breakout's cost)
# C-CHAIN's continual MinAtar sequence, the one the MinAtar results cycle through
CONTINUAL_GAMES = ("SpaceInvaders-MinAtar", "Asterix-MinAtar", "Seaquest-MinAtar")


@dataclasses.dataclass(frozen=True)
class TaskSet:
  """Several tasks as one gymnax environment; its params say which task is in force.

  Attributes:
    name: what the tasks are, for titles (e.g. "CartPole-v1, offset shifts").
    task_names: one name per task (e.g. "level 3", "Breakout-MinAtar").
    env: a gymnax environment with discrete actions whose `step` reports gymnax's
      `LogWrapper` fields in `info` ("returned_episode", "returned_episode_returns")
      and "final_observation" (the observation that ended the step).
    obs_shape: shape of one observation, the same for every task.
    num_actions: number of discrete actions, the same for every task.
    sample_params: `key -> params`, the env params of one seed with task 0 in
      force (e.g. the seed's random observation shifts).
    set_task: `(params, task) -> params` with `task` (an int32 scalar, possibly
      traced) in force.
    observe: `(state, params) -> obs`, the observation the agent sees now in the
      task in force. PPO calls it when the task changes, so that the first action
      after a change is taken on the new task's observation.
    time_limit: the shortest episode time limit of the tasks (gymnax's
      `max_steps_in_episode`): one environment is truncated at most once in that
      many steps, which bounds the values PPO must bootstrap. None: unknown.
    set_visit: optional `(params, visit) -> params` with `visit` (an int32 scalar,
      possibly traced: 0 the first time the task in force is met) in force, for
      task sets whose tasks change from one visit to the next (e.g. a new pixel
      permutation per visit, `examples.permuted_games`). None: every visit of a
      task is the same task.
  """

  name: str
  task_names: tuple[str, ...]
  env: Any
  obs_shape: tuple[int, ...]
  num_actions: int
  sample_params: Callable[[jax.Array], Any]
  set_task: Callable[[Any, jax.Array], Any]
  observe: Callable[[Any, Any], jax.Array]
  time_limit: Optional[int] = None
  set_visit: Optional[Callable[[Any, jax.Array], Any]] = None

  def select(self, params: Any, task: jax.Array, visit: jax.Array) -> Any:
    """`params` with `task` in force, at its `visit`-th visit (0 the first)."""
    params = self.set_task(params, task)
    return params if self.set_visit is None else self.set_visit(params, visit)

  @property
  def num_tasks(self) -> int:
    return len(self.task_names)


@dataclasses.dataclass(frozen=True)
class Segment:
  """A stretch of consecutive updates on one task: updates [start, stop)."""

  task: int
  visit: int  # 0 the first time this task is met, 1 the second (the second cycle), ...
  start: int
  stop: int


@dataclasses.dataclass(frozen=True)
class Schedule:
  """Which task is in force at each update: `order[i]` for `updates_per_task` updates each.

  `Schedule.levels(L, K)` meets tasks 0..L-1 once each (the observation-shift
  sequences); `Schedule.cycles(G, K, C)` meets games 0..G-1 in order, C times.
  """

  order: tuple[int, ...]
  updates_per_task: int

  def __post_init__(self):
    if not self.order:
      raise ValueError("a schedule needs at least one task")
    if self.updates_per_task < 1:
      raise ValueError(f"updates_per_task must be >= 1, got {self.updates_per_task}")

  @classmethod
  def levels(cls, num_levels: int, updates_per_task: int) -> "Schedule":
    return cls(tuple(range(num_levels)), updates_per_task)

  @classmethod
  def cycles(cls, num_tasks: int, updates_per_task: int, num_cycles: int) -> "Schedule":
    return cls(tuple(range(num_tasks)) * num_cycles, updates_per_task)

  @property
  def num_updates(self) -> int:
    return len(self.order) * self.updates_per_task

  @property
  def tasks(self) -> np.ndarray:
    """[num_updates] int32: the task in force at each update."""
    return np.repeat(np.asarray(self.order, np.int32), self.updates_per_task)

  @property
  def switches(self) -> np.ndarray:
    """[num_updates] bool: True at the first update of a task other than the one before."""
    tasks = self.tasks
    return np.concatenate([[False], tasks[1:] != tasks[:-1]])

  @property
  def visits(self) -> np.ndarray:
    """[num_updates] int32: how many times the task in force was met before (0 the first)."""
    return np.repeat(np.asarray([s.visit for s in self.segments()], np.int32),
                     self.updates_per_task)

  @property
  def num_cycles(self) -> int:
    """How many times the most-visited task is met."""
    return max(self.order.count(task) for task in set(self.order))

  def segments(self) -> list[Segment]:
    seen: dict[int, int] = {}
    out = []
    for i, task in enumerate(self.order):
      out.append(Segment(task, seen.get(task, 0), i * self.updates_per_task,
                         (i + 1) * self.updates_per_task))
      seen[task] = seen.get(task, 0) + 1
    return out
