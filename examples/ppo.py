"""PPO on gymnax, PureJaxRL-style: one pure `train(rng, lr)` per config and optimizer.

    train = make_train(PRESETS["paper"], lambda lr: trac_optax.trac(optax.adam(lr)))
    out = jax.jit(jax.vmap(train))(jax.random.split(jax.random.key(0), 8))

Everything (rollouts, GAE, clipped-surrogate epochs over minibatches, the
lifelong level schedule) runs inside `jax.lax.scan`, so `jax.vmap` over seeds
and learning rates, and `jax.jit` of the lot, train a whole grid in one call.

The file reads top to bottom in the order the data flows: config, network,
environment, rollout, advantages, loss, update, logging.
"""

import dataclasses
import math
from typing import Callable, NamedTuple, Optional, Union

import distrax
import flax.linen as nn
import gymnax
import jax
import jax.numpy as jnp
import optax
import rlax
from gymnax.wrappers.purerl import FlattenObservationWrapper, LogWrapper

import trac_optax
from examples.shifts import ShiftObservationWrapper, sample_shifts


@dataclasses.dataclass(frozen=True)
class PPOConfig:
  """Plain data describing one PPO run (one seed); `make_train` turns it into `train`.

  Lifelong schedule: the run has `num_levels * updates_per_level` updates; the
  level (see `examples.shifts`) advances every `updates_per_level` updates. With
  `num_levels=1` this is ordinary PPO on the plain environment.
  """

  env_name: str = "CartPole-v1"  # a gymnax env with discrete actions, flat observations
  num_envs: int = 4  # parallel environments
  num_steps: int = 128  # rollout length per environment per update
  num_levels: int = 1  # L: levels of the lifelong sequence (level 0 is the plain env)
  updates_per_level: int = 100  # K: updates between two distribution shifts
  shift: str = "offset"  # "offset" | "permute" | "sign" (examples.shifts.SHIFT_KINDS)
  shift_scale: float = 2.0  # std of the "offset" shift (paper: 2)
  lr: float = 2.5e-4  # default learning rate; train(rng, lr) can override it
  num_epochs: int = 4  # passes over each rollout
  num_minibatches: int = 4  # minibatches per pass
  gamma: float = 0.99
  gae_lambda: float = 0.95
  clip_eps: float = 0.2  # PPO ratio clip
  ent_coef: float = 0.01  # entropy bonus
  vf_coef: float = 0.5  # weight of the value loss, a plain mean squared error
  max_grad_norm: Optional[float] = 0.5  # global-norm clip before the optimizer; None: off
  reward_scale: float = 1.0  # rewards are multiplied by this for learning (not logging)
  hidden_sizes: tuple[int, ...] = (64, 64)  # per network (actor and critic are separate)
  activation: str = "tanh"  # "tanh" | "relu" | "leaky_relu" (slope 0.1)
  progress_every: int = 0  # call `on_progress` every this many updates; 0: never

  @property
  def num_updates(self) -> int:
    return self.num_levels * self.updates_per_level

  @property
  def steps_per_update(self) -> int:
    """Environment steps collected per update (over all parallel environments)."""
    return self.num_envs * self.num_steps

  @property
  def total_env_steps(self) -> int:
    """Environment steps one `train` call takes, per seed and learning rate."""
    return self.num_updates * self.steps_per_update


PRESETS = {
    # PureJaxRL's CartPole PPO, with separate 2x64 tanh actor and critic.
    "purejaxrl": PPOConfig(),
    # The paper's Gym-control setting (its reference notebook): 3x128 LeakyReLU(0.1)
    # networks, lr 1e-2 for Adam and TRAC(Adam), 5 epochs of minibatches of 32,
    # rewards / 20, no gradient clipping, no learning-rate annealing.
    "paper": PPOConfig(
        lr=1e-2,
        num_epochs=5,
        num_minibatches=16,  # 4 envs x 128 steps / 16 = minibatches of 32
        max_grad_norm=None,
        reward_scale=1 / 20,
        hidden_sizes=(128, 128, 128),
        activation="leaky_relu",
    ),
}

# ---------------------------------------------------------------------------
# Network


_ACTIVATIONS = {
    "tanh": nn.tanh,
    "relu": nn.relu,
    "leaky_relu": lambda x: nn.leaky_relu(x, negative_slope=0.1),
}


class ActorCritic(nn.Module):
  """Separate MLPs for the policy logits and the state value."""

  num_actions: int
  hidden_sizes: tuple[int, ...]
  activation: str

  @nn.compact
  def __call__(self, obs):
    act = _ACTIVATIONS[self.activation]
    # Variance-scaling inits instead of PureJaxRL's orthogonal ones: orthogonal init
    # runs a QR decomposition, which can deadlock jaxlib's CPU runtime under vmap.
    hidden = nn.initializers.variance_scaling(2.0, "fan_in", "truncated_normal")

    def mlp(x, out_size, out_scale):
      for size in self.hidden_sizes:
        x = act(nn.Dense(size, kernel_init=hidden)(x))
      head = nn.initializers.variance_scaling(out_scale, "fan_in", "truncated_normal")
      return nn.Dense(out_size, kernel_init=head)(x)

    logits = mlp(obs, self.num_actions, 0.01)  # near-uniform initial policy
    value = mlp(obs, 1, 1.0)
    return distrax.Categorical(logits=logits), jnp.squeeze(value, -1)


# ---------------------------------------------------------------------------
# Environment


def make_env(config: PPOConfig):
  """The gymnax env, flattened, observation-shifted and logged.

  Returns:
    `(env, env_params, obs_dim, num_actions)`, with the plain env's params (the
    shifted env takes `ShiftParams` built around them by `sample_shifts`).
  """
  env, env_params = gymnax.make(config.env_name)
  action_space = env.action_space(env_params)
  if not isinstance(action_space, gymnax.environments.spaces.Discrete):
    raise ValueError(f"{config.env_name} does not have discrete actions")
  obs_dim = math.prod(env.observation_space(env_params).shape)
  env = LogWrapper(ShiftObservationWrapper(FlattenObservationWrapper(env)))
  return env, env_params, obs_dim, action_space.n


# ---------------------------------------------------------------------------
# Rollout storage


class Transition(NamedTuple):
  obs: jax.Array
  action: jax.Array
  log_prob: jax.Array
  value: jax.Array
  reward: jax.Array
  terminated: jax.Array
  truncated: jax.Array
  final_obs: jax.Array  # the observation that ended the step, before any auto-reset


Optimizer = Union[optax.GradientTransformation, Callable[[jax.Array], optax.GradientTransformation]]


def make_train(
    config: PPOConfig,
    optimizer: Optimizer,
    on_progress: Optional[Callable[[jax.Array, jax.Array], None]] = None,
):
  """Builds the pure training function of one PPO run.

  Args:
    config: the run's `PPOConfig`.
    optimizer: an optax transformation, or a function from the learning rate to
      one (e.g. `lambda lr: trac_optax.trac(optax.adam(lr))`), which lets
      `train` take the learning rate as a traced argument and be vmapped over
      it. Global-norm clipping (`config.max_grad_norm`) is chained in front.
    on_progress: optional host function `(update_index, level)`, called through
      `jax.debug.callback` every `config.progress_every` updates.

  Returns:
    `train(rng, lr=config.lr) -> {"params": ..., "metrics": ...}` where each
    metric has one entry per update (leading axis `config.num_updates`):
      "return": mean over the parallel envs of the return of each env's last
        finished episode (NaN until one has finished), in raw env reward;
      "level": the level in force;
      "scale": TRAC's scale S after the update (NaN if the optimizer has no TRAC);
      "entropy", "value_loss": means over the update's minibatches.
  """
  env, base_params, obs_dim, num_actions = make_env(config)
  network = ActorCritic(num_actions, config.hidden_sizes, config.activation)
  make_optimizer = optimizer if callable(optimizer) else (lambda lr: optimizer)
  batch_size = config.steps_per_update
  if batch_size % config.num_minibatches:
    raise ValueError(f"num_envs * num_steps = {batch_size} is not divisible by "
                     f"num_minibatches = {config.num_minibatches}")
  minibatch_size = batch_size // config.num_minibatches

  def train(rng, lr=config.lr):
    rng, key_shift, key_net, key_env = jax.random.split(rng, 4)
    env_params = sample_shifts(
        key_shift, config.shift, config.num_levels, obs_dim, config.shift_scale, base_params)
    params = network.init(key_net, jnp.zeros(obs_dim))
    tx = make_optimizer(lr)
    if config.max_grad_norm is not None:
      tx = optax.chain(optax.clip_by_global_norm(config.max_grad_norm), tx)
    opt_state = tx.init(params)
    obs, env_state = jax.vmap(env.reset, in_axes=(0, None))(
        jax.random.split(key_env, config.num_envs), env_params)

    def update(runner, update_index):
      params, opt_state, env_state, obs, rng = runner
      # The update index comes from the scan's xs, so it stays unbatched under vmap
      # and the progress `cond` below stays a real branch.
      level = jnp.minimum(update_index // config.updates_per_level, config.num_levels - 1)
      level_params = env_params.replace(level=level)

      # Rollout. At a level change the first action is taken on the last observation
      # of the previous level: one stale step per environment per level.
      def env_step(carry, _):
        env_state, obs, rng = carry
        rng, key_act, key_step = jax.random.split(rng, 3)
        pi, value = network.apply(params, obs)
        action = pi.sample(seed=key_act)
        next_obs, env_state, reward, terminated, truncated, info = jax.vmap(
            env.step, in_axes=(0, 0, 0, None))(
                jax.random.split(key_step, config.num_envs), env_state, action, level_params)
        transition = Transition(obs, action, pi.log_prob(action), value, reward,
                                terminated, truncated, info["final_observation"])
        return (env_state, next_obs, rng), transition

      (env_state, obs, rng), traj = jax.lax.scan(
          env_step, (env_state, obs, rng), None, config.num_steps)

      # Advantages. A time limit is not a terminal state: on truncation the value of
      # the final observation is bootstrapped into the reward, then the trace is cut.
      _, last_value = network.apply(params, obs)
      _, final_value = network.apply(params, traj.final_obs)
      bootstrap = traj.truncated & ~traj.terminated
      reward = config.reward_scale * traj.reward + config.gamma * bootstrap * final_value
      discount = config.gamma * (1.0 - (traj.terminated | traj.truncated))
      values = jnp.concatenate([traj.value, last_value[None]], axis=0)
      advantages = jax.vmap(
          rlax.truncated_generalized_advantage_estimation, in_axes=(1, 1, None, 1), out_axes=1)(
              reward, discount, config.gae_lambda, values)
      targets = advantages + traj.value
      advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)

      # Loss.
      def loss_fn(params, batch):
        obs, action, old_log_prob, advantage, target = batch
        pi, value = network.apply(params, obs)
        ratio = jnp.exp(pi.log_prob(action) - old_log_prob)
        policy_loss = rlax.clipped_surrogate_pg_loss(ratio, advantage, config.clip_eps)
        value_loss = jnp.mean(jnp.square(value - target))
        entropy = pi.entropy().mean()
        loss = policy_loss + config.vf_coef * value_loss - config.ent_coef * entropy
        return loss, (value_loss, entropy)

      # Update: epochs of shuffled minibatches.
      def minibatch_step(carry, batch):
        params, opt_state = carry
        grads, aux = jax.grad(loss_fn, has_aux=True)(params, batch)
        updates, opt_state = tx.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), aux

      flat = jax.tree.map(
          lambda x: x.reshape(batch_size, *x.shape[2:]),
          (traj.obs, traj.action, traj.log_prob, advantages, targets))

      def epoch(carry, key):
        order = jax.random.permutation(key, batch_size)
        minibatches = jax.tree.map(
            lambda x: x[order].reshape(config.num_minibatches, minibatch_size, *x.shape[1:]),
            flat)
        return jax.lax.scan(minibatch_step, carry, minibatches)

      rng, key_epochs = jax.random.split(rng)
      (params, opt_state), (value_loss, entropy) = jax.lax.scan(
          epoch, (params, opt_state), jax.random.split(key_epochs, config.num_epochs))

      # Logging.
      finished = env_state.returned_episode_valid
      episode_return = jnp.sum(env_state.returned_episode_returns * finished) / jnp.sum(finished)
      metrics = {
          "return": episode_return,  # NaN (0/0) until some env has finished an episode
          "level": level,
          "scale": _trac_scale(opt_state),
          "entropy": entropy.mean(),
          "value_loss": value_loss.mean(),
      }
      if on_progress is not None and config.progress_every > 0:
        jax.lax.cond(update_index % config.progress_every == 0,
                     lambda: jax.debug.callback(on_progress, update_index, level),
                     lambda: None)
      return (params, opt_state, env_state, obs, rng), metrics

    runner = (params, opt_state, env_state, obs, rng)
    (params, *_), metrics = jax.lax.scan(update, runner, jnp.arange(config.num_updates))
    return {"params": params, "metrics": metrics}

  return train


def _trac_scale(opt_state) -> jax.Array:
  """TRAC's S if the optimizer state holds one TRAC, else NaN (decided at trace time)."""
  try:
    return trac_optax.get_scale(opt_state)
  except ValueError:
    return jnp.array(jnp.nan, jnp.float32)
