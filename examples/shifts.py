"""Distribution shifts for lifelong RL: a gymnax wrapper whose shift is data.

The lifelong setting of the TRAC paper's Gym-control experiments is a sequence of
L levels of one environment. Level 0 is the plain environment; every later level
l transforms each observation with a fixed random map drawn once per level.
Neither the agent nor the optimizer is told when the level changes.
`shift_tasks` packs such a sequence as an `examples.tasks.TaskSet`.

All levels live in the env params as stacked arrays plus the index of the level
in force, so switching level is `params.replace(level=l)` and a whole lifelong
run is one jitted `lax.scan`. The transform of level l is

    obs'  =  gain[l] * obs[perm[l]]  +  offset[l]

which covers the three kinds of shift offered here:

  "offset"   offset[l] ~ N(0, scale^2) per observation dimension (the paper's shift);
  "permute"  perm[l] is a random permutation of the observation dimensions;
  "sign"     gain[l] is a random +-1 per dimension (a sign flip of some of them).
"""

import math
from functools import partial
from typing import Any, Optional

import gymnax
import jax
import jax.numpy as jnp
from flax import struct
from gymnax.environments import spaces
from gymnax.wrappers.purerl import FlattenObservationWrapper, GymnaxWrapper, LogWrapper

from examples.tasks import SHIFT_KINDS, TaskSet


@struct.dataclass
class ShiftParams:
  """Env params of `ShiftObservationWrapper`: the wrapped env's params plus L levels."""

  env_params: Any  # the wrapped environment's own params
  perm: jax.Array  # [L, d] int32: which input dimension feeds each output dimension
  gain: jax.Array  # [L, d]: multiplies the permuted observation
  offset: jax.Array  # [L, d]: added last (p_l in the paper)
  level: jax.Array  # int32 scalar: the level in force

  @property
  def num_levels(self) -> int:
    return self.offset.shape[-2]


def sample_shifts(
    key: jax.Array, kind: str, num_levels: int, obs_dim: int, scale: float, env_params: Any
) -> ShiftParams:
  """Draws the L levels of one lifelong run; level 0 is always the identity.

  Args:
    key: randomness for the L - 1 shifted levels.
    kind: one of `SHIFT_KINDS`.
    num_levels: L >= 1.
    obs_dim: size of the (flat) observation.
    scale: standard deviation of the offsets ("offset"; the paper uses 2);
      unused by the other kinds.
    env_params: the wrapped environment's params.

  Returns:
    `ShiftParams` at level 0.
  """
  if kind not in SHIFT_KINDS:
    raise ValueError(f"unknown shift kind {kind!r}; expected one of {SHIFT_KINDS}")
  shape = (num_levels, obs_dim)
  perm = jnp.broadcast_to(jnp.arange(obs_dim, dtype=jnp.int32), shape)
  gain = jnp.ones(shape)
  offset = jnp.zeros(shape)
  keys = jax.random.split(key, num_levels)
  shifted = (jnp.arange(num_levels) > 0)[:, None]  # level 0 stays the plain env
  if kind == "offset":
    noise = jax.vmap(lambda k: scale * jax.random.normal(k, (obs_dim,)))(keys)
    offset = jnp.where(shifted, noise, offset)
  elif kind == "permute":
    drawn = jax.vmap(lambda k: jax.random.permutation(k, obs_dim))(keys).astype(jnp.int32)
    perm = jnp.where(shifted, drawn, perm)
  else:  # "sign"
    signs = jax.vmap(lambda k: jax.random.rademacher(k, (obs_dim,), jnp.float32))(keys)
    gain = jnp.where(shifted, signs, gain)
  return ShiftParams(env_params, perm, gain, offset, jnp.zeros([], jnp.int32))


@struct.dataclass
class ShiftState:
  """State of `ShiftObservationWrapper`: the inner state and its current, unshifted observation."""

  env_state: Any
  obs: jax.Array


class ShiftObservationWrapper(GymnaxWrapper):
  """Transforms observations by the level in force in its `ShiftParams`.

  Wrap a flat-observation env (e.g. `FlattenObservationWrapper(env)`) and pass
  `ShiftParams` wherever the env takes params; the wrapper hands the inner env
  `params.env_params`. `info["final_observation"]` is transformed too, so a value
  bootstrapped on truncation sees what the agent would have seen. The state keeps
  the current unshifted observation, so `observe(state, params)` gives the
  observation under whichever level `params` puts in force.
  """

  def observation_space(self, params: ShiftParams):
    # Same shape; bounds are the unshifted ones (only the shape is used here).
    return self._env.observation_space(params.env_params)

  @staticmethod
  def transform(obs: jax.Array, params: ShiftParams) -> jax.Array:
    level = params.level
    return params.gain[level] * obs[params.perm[level]] + params.offset[level]

  def observe(self, state: ShiftState, params: ShiftParams) -> jax.Array:
    return self.transform(state.obs, params)

  @partial(jax.jit, static_argnames=("self",))
  def reset(self, key: jax.Array, params: ShiftParams):
    obs, state = self._env.reset(key, params.env_params)
    return self.transform(obs, params), ShiftState(state, obs)

  @partial(jax.jit, static_argnames=("self",))
  def step(self, key: jax.Array, state: ShiftState, action: jax.Array, params: ShiftParams):
    obs, env_state, reward, terminated, truncated, info = self._env.step(
        key, state.env_state, action, params.env_params)
    info = {**info, "final_observation": self.transform(info["final_observation"], params)}
    return (self.transform(obs, params), ShiftState(env_state, obs), reward, terminated,
            truncated, info)


def shift_tasks(env_name: str, kind: str = "offset", num_levels: int = 1,
                scale: float = 2.0, time_limit: Optional[int] = None) -> TaskSet:
  """The levels of one gymnax environment under observation shifts, as a `TaskSet`.

  Args:
    env_name: a gymnax environment with discrete actions, e.g. "CartPole-v1".
    kind: one of `SHIFT_KINDS`.
    num_levels: L; level 0 is the plain environment (so L = 1 is plain PPO).
    scale: standard deviation of the "offset" shift.
    time_limit: episodes are truncated after this many steps (gymnax's
      `max_steps_in_episode`); None keeps the environment's own.

  Returns:
    A `TaskSet` over `LogWrapper(ShiftObservationWrapper(FlattenObservationWrapper(env)))`
    whose `sample_params(key)` draws one seed's L levels.

  Raises:
    ValueError: unknown environment or shift kind, or continuous actions.
  """
  if env_name not in gymnax.registered_envs:
    raise ValueError(f"unknown env {env_name!r} (gymnax has e.g. CartPole-v1, Acrobot-v1)")
  if kind not in SHIFT_KINDS:
    raise ValueError(f"unknown shift kind {kind!r}; expected one of {SHIFT_KINDS}")
  base, base_params = gymnax.make(env_name)
  if time_limit is not None:
    if time_limit < 1:
      raise ValueError(f"time_limit must be >= 1, got {time_limit}")
    base_params = base_params.replace(max_steps_in_episode=int(time_limit))
  action_space = base.action_space(base_params)
  if not isinstance(action_space, spaces.Discrete):
    raise ValueError(f"{env_name} does not have discrete actions")
  obs_dim = math.prod(base.observation_space(base_params).shape)
  shifted = ShiftObservationWrapper(FlattenObservationWrapper(base))
  label = f"offset (scale {scale:g})" if kind == "offset" else kind
  return TaskSet(
      name=f"{env_name}, {label} shifts" if num_levels > 1 else env_name,
      task_names=tuple(f"level {l}" for l in range(num_levels)),
      env=LogWrapper(shifted),
      obs_shape=(obs_dim,),
      num_actions=int(action_space.n),
      sample_params=lambda key: sample_shifts(key, kind, num_levels, obs_dim, scale, base_params),
      set_task=lambda params, task: params.replace(level=task),
      observe=lambda state, params: shifted.observe(state.env_state, params),
      time_limit=int(base_params.max_steps_in_episode),
  )
