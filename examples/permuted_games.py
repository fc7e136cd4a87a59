"""Game switches whose screen is shuffled anew at every visit: a pixel permutation per visit.

Juliani & Ash (NeurIPS 2024) find that PPO loses plasticity when the input pixels
are shuffled by a fixed random permutation that changes from one round of
training to the next. Here that shift rides on the MinAtar game switches of
`examples.games`: each visit of a game (its first included) sees the game's
screen through a permutation of its 10 x 10 pixel positions (a pixel's channels
move together), drawn per seed and per visit. Nothing else changes, so a fresh
network meets the same problem at every visit (an MLP's initialisation does not
depend on the order of its inputs) and the game's yardstick still applies: any
shortfall of a visit against the first, or against a fresh network, is
plasticity lost.
"""

from functools import partial
from typing import Sequence

import jax
import jax.numpy as jnp
from flax import struct

from examples.games import GameSwitchEnv, GameSwitchParams, GameSwitchState, game_tasks
from examples.tasks import TaskSet


@struct.dataclass
class PermutedParams:
  games: GameSwitchParams  # the game switch's own params (the game in force)
  perm: jax.Array  # [V, H * W] int32: which pixel feeds each pixel, per visit
  visit: jax.Array  # int32 scalar: the visit in force


class PermutedGameSwitchEnv:
  """`GameSwitchEnv` seen through the pixel permutation of the visit in force.

  Args:
    names: MinAtar games, as for `GameSwitchEnv`.
    num_visits: V, how many visits of a game a run makes (permutations drawn).
  """

  def __init__(self, names: Sequence[str], num_visits: int):
    if num_visits < 1:
      raise ValueError(f"num_visits must be >= 1, got {num_visits}")
    self.inner = GameSwitchEnv(names)
    self.names, self.obs_shape = self.inner.names, self.inner.obs_shape
    self.num_visits = num_visits
    self.num_pixels = self.obs_shape[0] * self.obs_shape[1]

  def sample_params(self, key: jax.Array) -> PermutedParams:
    """One seed's permutations, one per visit; the first game and visit in force."""
    keys = jax.random.split(key, self.num_visits)
    perm = jax.vmap(lambda k: jax.random.permutation(k, self.num_pixels))(keys)
    return PermutedParams(self.inner.default_params, perm.astype(jnp.int32),
                          jnp.zeros([], jnp.int32))

  def permute(self, obs: jax.Array, params: PermutedParams) -> jax.Array:
    """[..., H, W, C] -> the same screen with its pixels moved by the visit's permutation."""
    lead, (h, w, c) = obs.shape[:-3], obs.shape[-3:]
    flat = obs.reshape(*lead, h * w, c)
    return jnp.take(flat, params.perm[params.visit], axis=-2).reshape(obs.shape)

  def observation_space(self, params):
    return self.inner.observation_space(params)

  def action_space(self, params):
    return self.inner.action_space(params)

  def observe(self, state: GameSwitchState, params: PermutedParams) -> jax.Array:
    return self.permute(self.inner.observe(state, params.games), params)

  @partial(jax.jit, static_argnames=("self",))
  def reset(self, key: jax.Array, params: PermutedParams):
    obs, state = self.inner.reset(key, params.games)
    return self.permute(obs, params), state

  @partial(jax.jit, static_argnames=("self",))
  def step(self, key: jax.Array, state: GameSwitchState, action: jax.Array,
           params: PermutedParams):
    obs, state, reward, terminated, truncated, info = self.inner.step(
        key, state, action, params.games)
    info = {**info, "final_observation": self.permute(info["final_observation"], params)}
    return self.permute(obs, params), state, reward, terminated, truncated, info


def permuted_game_tasks(names: Sequence[str], num_visits: int) -> TaskSet:
  """MinAtar game switches with a new pixel permutation at every visit, as a `TaskSet`.

  Args:
    names: the games, in the order met (see `examples.games.game_tasks`).
    num_visits: the most visits a run makes of one game (its number of cycles).

  Returns:
    A `TaskSet` whose tasks are the games and whose `set_visit` puts the visit's
    permutation in force; `sample_params(key)` draws one seed's permutations.

  Raises:
    ValueError: as `examples.games.game_tasks`, or `num_visits` < 1.
  """
  plain = game_tasks(names)  # checks the names
  env = PermutedGameSwitchEnv(names, num_visits)
  return TaskSet(
      name=f"{plain.name}, pixels permuted per visit",
      task_names=plain.task_names,
      env=env,
      obs_shape=env.obs_shape,
      num_actions=plain.num_actions,
      sample_params=env.sample_params,
      set_task=lambda params, task: params.replace(games=plain.set_task(params.games, task)),
      observe=env.observe,
      time_limit=plain.time_limit,
      set_visit=lambda params, visit: params.replace(visit=jnp.asarray(visit, jnp.int32)),
  )
