"""Game switching for lifelong RL: several gymnax MinAtar games as one environment.

The TRAC paper's vision experiments change the game under the agent (Atari,
Procgen). MinAtar is their small-scale stand-in, and gymnax ships it. To switch
games without telling the agent, every game gets one interface:

* the full 6-action set (noop, left, up, right, down, fire), made by
  `gymnax.make(name, use_minimal_action_set=False)`, so that an action means the
  same thing in every game;
* observations zero-padded along the channel axis to the largest channel count of
  the games in the sequence (Breakout and Asterix have 4 channels, SpaceInvaders
  6, Freeway 7, Seaquest 10), as float32.

`GameSwitchEnv` keeps every game's state and its current observation, and steps
only the game in force (`lax.switch` on `params.task`, which PPO takes from its
scan's xs, so it stays a real branch under `vmap`): a game left mid-episode is
resumed where it was when it comes back. Each game has its own gymnax
`LogWrapper`, so an episode's return is always one game's.
"""

from functools import partial
from typing import Any, Sequence

import gymnax
import jax
import jax.numpy as jnp
from flax import struct
from gymnax.environments import spaces
from gymnax.wrappers.purerl import GymnaxWrapper, LogWrapper

from examples.tasks import DEFAULT_GAMES, MINATAR_GAMES, TaskSet  # noqa: F401 (re-exported)

NUM_ACTIONS = 6  # MinAtar's full action set

# The info fields every game reports, so that all branches of the switch agree.
_INFO_KEYS = ("returned_episode", "returned_episode_returns", "final_observation")


class PadChannels(GymnaxWrapper):
  """Zero-pads an image observation's last (channel) axis to `channels`, as float32."""

  def __init__(self, env, channels: int):
    super().__init__(env)
    self.channels = channels

  def pad(self, obs: jax.Array) -> jax.Array:
    extra = self.channels - obs.shape[-1]
    return jnp.pad(obs.astype(jnp.float32), [(0, 0)] * (obs.ndim - 1) + [(0, extra)])

  def observation_space(self, params) -> spaces.Box:
    shape = self._env.observation_space(params).shape
    return spaces.Box(0.0, 1.0, (*shape[:-1], self.channels), jnp.float32)

  @partial(jax.jit, static_argnames=("self",))
  def reset(self, key, params):
    obs, state = self._env.reset(key, params)
    return self.pad(obs), state

  @partial(jax.jit, static_argnames=("self",))
  def step(self, key, state, action, params):
    obs, state, reward, terminated, truncated, info = self._env.step(key, state, action, params)
    info = {**info, "final_observation": self.pad(info["final_observation"])}
    return self.pad(obs), state, reward, terminated, truncated, info


@struct.dataclass
class GameSwitchParams:
  games: tuple  # each game's own env params
  task: jax.Array  # int32 scalar: the index of the game in force


@struct.dataclass
class GameSwitchState:
  games: tuple  # each game's (logged) state; only the game in force ever changes
  obs: tuple  # each game's current (padded) observation


class GameSwitchEnv:
  """Several gymnax games with one action set and one observation shape; `params.task` picks.

  `reset` resets every game; `step` steps only the game in force and leaves the
  others' states as they are. `info` holds each game's `LogWrapper` fields and the
  padded "final_observation".

  Args:
    names: gymnax environment names with discrete actions (MinAtar games).
  """

  def __init__(self, names: Sequence[str]):
    bare = [gymnax.make(name, use_minimal_action_set=False) for name in names]
    for name, (env, params) in zip(names, bare):
      space = env.action_space(params)
      if not isinstance(space, spaces.Discrete) or space.n != NUM_ACTIONS:
        raise ValueError(f"{name} does not have MinAtar's {NUM_ACTIONS} actions")
    shapes = [env.observation_space(params).shape for env, params in bare]
    self.names = tuple(names)
    self.channels = max(shape[-1] for shape in shapes)
    self.obs_shape = (*shapes[0][:-1], self.channels)
    if any(shape[:-1] != shapes[0][:-1] for shape in shapes):
      raise ValueError(f"games with different screen sizes: {dict(zip(names, shapes))}")
    self.games = tuple(LogWrapper(PadChannels(env, self.channels)) for env, _ in bare)
    self.default_params = GameSwitchParams(tuple(p for _, p in bare), jnp.zeros([], jnp.int32))

  def observation_space(self, params) -> spaces.Box:
    return spaces.Box(0.0, 1.0, self.obs_shape, jnp.float32)

  def action_space(self, params) -> spaces.Discrete:
    return spaces.Discrete(NUM_ACTIONS)

  def observe(self, state: GameSwitchState, params: GameSwitchParams) -> jax.Array:
    return jnp.stack(state.obs)[params.task]

  @partial(jax.jit, static_argnames=("self",))
  def reset(self, key: jax.Array, params: GameSwitchParams):
    keys = jax.random.split(key, len(self.games))
    obs, states = zip(*[game.reset(k, p) for game, k, p in zip(self.games, keys, params.games)])
    state = GameSwitchState(tuple(states), tuple(obs))
    return self.observe(state, params), state

  @partial(jax.jit, static_argnames=("self",))
  def step(self, key: jax.Array, state: GameSwitchState, action: jax.Array,
           params: GameSwitchParams):

    def step_game(i):
      def branch(key, state, action):
        obs, game_state, reward, terminated, truncated, info = self.games[i].step(
            key, state.games[i], action, params.games[i])
        new_state = GameSwitchState(_replace(state.games, i, game_state),
                                    _replace(state.obs, i, obs))
        info = {k: info[k] for k in _INFO_KEYS}
        return (obs, new_state, jnp.asarray(reward, jnp.float32), jnp.asarray(terminated, bool),
                jnp.asarray(truncated, bool), info)
      return branch

    return jax.lax.switch(params.task, [step_game(i) for i in range(len(self.games))],
                          key, state, action)


def _replace(items: tuple, i: int, value: Any) -> tuple:
  return items[:i] + (value,) + items[i + 1:]


def game_tasks(names: Sequence[str] = DEFAULT_GAMES) -> TaskSet:
  """A sequence of MinAtar games as a `TaskSet` (task i is `names[i]`).

  Raises:
    ValueError: an unknown game, a repeated one, or one without MinAtar's actions.
  """
  unknown = [name for name in names if name not in MINATAR_GAMES]
  if unknown:
    raise ValueError(f"unknown game {unknown[0]!r}; MinAtar games: {', '.join(MINATAR_GAMES)}")
  if len(set(names)) != len(names):
    raise ValueError(f"each game may appear once in the sequence, got {' '.join(names)}")
  env = GameSwitchEnv(names)
  return TaskSet(
      name=" > ".join(name.removesuffix("-MinAtar") for name in names),
      task_names=tuple(names),
      env=env,
      obs_shape=env.obs_shape,
      num_actions=NUM_ACTIONS,
      sample_params=lambda key: env.default_params,
      set_task=lambda params, task: params.replace(task=jnp.asarray(task, jnp.int32)),
      observe=env.observe,
      time_limit=min(int(p.max_steps_in_episode) for p in env.default_params.games),
  )
