"""PPO over any gymnax task set and network, PureJaxRL-style: one pure `train(rng, hparams)`.

    tasks = shift_tasks("CartPole-v1")                        # or game_tasks([...])
    network = MLPActorCritic(tasks.num_actions, (64, 64), "tanh")
    train = make_train(PPOConfig(), tasks, network, lambda lr: trac_optax.trac(optax.adam(lr)),
                       Schedule.levels(1, 100))
    out = jax.jit(jax.vmap(train))(jax.random.split(jax.random.key(0), 8),
                                   {"lr": jnp.full(8, 1e-3)})

Everything (rollouts, GAE, clipped-surrogate epochs over minibatches, the task in
force, the plasticity diagnostics) runs inside `jax.lax.scan`, so `jax.vmap` over
seeds and hyperparameters, and `jax.jit` of the lot, train a whole grid in one call.
The lifelong schedule plugs in from outside: PPO reads the task of each update
from the `Schedule` and hands it to the `TaskSet` (see `examples.tasks`).

The file reads top to bottom in the order the data flows: config, rollout,
advantages, loss, update, logging (the diagnostics: `examples.plasticity`).
"""

import dataclasses
from typing import Callable, NamedTuple, Optional, Union

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import rlax

from examples import plasticity
from examples.runner import Program
from examples.tasks import Schedule, TaskSet

VALUE_TARGETS = ("gae", "returns")


@dataclasses.dataclass(frozen=True)
class PPOConfig:
  """Plain data describing PPO's hyperparameters for one run (one seed)."""

  num_envs: int = 4  # parallel environments
  num_steps: int = 128  # rollout length per environment per update
  num_epochs: int = 4  # passes over each rollout
  num_minibatches: int = 4  # minibatches per pass
  gamma: float = 0.99
  gae_lambda: float = 0.95
  clip_eps: float = 0.2  # PPO ratio clip
  ent_coef: float = 0.01  # entropy bonus
  vf_coef: float = 0.5  # weight of the value loss, a plain mean squared error
  max_grad_norm: Optional[float] = 0.5  # global-norm clip before the optimizer; None: off
  reward_scale: float = 1.0  # rewards are multiplied by this for learning (not logging)
  # True: every update starts new episodes (all envs reset) and its last step cuts the
  # episodes still running, with the value bootstrapped there; a cut episode counts as an
  # episode in "return". The published Gym-control PPO's rollout. False: episodes run on
  # across updates (PureJaxRL's).
  fresh_episodes: bool = False
  # What the value regresses on: "gae", the lambda-returns (advantages + values, as
  # PureJaxRL); "returns", the discounted rewards-to-go, bootstrapped where an episode
  # was cut (the published Gym-control PPO).
  value_target: str = "gae"
  probe_size: int = 256  # rollout observations on which the diagnostics are measured
  progress_every: int = 0  # call `on_progress` every this many updates; 0: never

  @property
  def steps_per_update(self) -> int:
    """Environment steps collected per update (over all parallel environments)."""
    return self.num_envs * self.num_steps

  @property
  def optimizer_steps_per_update(self) -> int:
    return self.num_epochs * self.num_minibatches

  def validate(self):
    """Raises ValueError for settings `make_train` cannot run."""
    for name in ("num_envs", "num_steps", "num_epochs", "num_minibatches", "probe_size"):
      if getattr(self, name) < 1:
        raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
    if self.value_target not in VALUE_TARGETS:
      raise ValueError(f"value_target must be one of {VALUE_TARGETS}, got {self.value_target!r}")
    if self.steps_per_update % self.num_minibatches:
      raise ValueError(f"num_envs * num_steps = {self.steps_per_update} is not divisible by "
                       f"num_minibatches = {self.num_minibatches}")


class Transition(NamedTuple):
  obs: jax.Array
  action: jax.Array
  log_prob: jax.Array
  value: jax.Array
  reward: jax.Array
  terminated: jax.Array
  truncated: jax.Array
  final_obs: jax.Array  # the observation that ended the step, before any auto-reset
  episode_done: jax.Array  # an episode ended here (LogWrapper's "returned_episode")
  episode_return: jax.Array  # its return, raw env reward


Optimizer = Union[optax.GradientTransformation, Callable[..., optax.GradientTransformation]]


def make_train(
    config: PPOConfig,
    tasks: TaskSet,
    network: nn.Module,
    optimizer: Optimizer,
    schedule: Schedule,
    *,
    reset_at_switch: bool = False,
    on_progress: Optional[Callable[[jax.Array, jax.Array], None]] = None,
):
  """Builds the pure training function of one PPO run through a schedule of tasks.

  Args:
    config: PPO's hyperparameters.
    tasks: the environment(s), see `examples.tasks.TaskSet`.
    network: a flax module mapping `[B, *obs_shape]` observations to a
      `(distrax.Categorical, values [B])` pair; hidden layers it `sow`s into
      "activations" are the units of the dormant-fraction diagnostics.
    optimizer: an optax transformation, or a function from keyword
      hyperparameters to one (e.g. `lambda lr: trac_optax.trac(optax.adam(lr))`),
      which lets `train` take them as traced, vmappable arguments. Global-norm
      clipping (`config.max_grad_norm`) is chained in front.
    schedule: the task in force at each update; its length is the run's length.
    reset_at_switch: an oracle that knows when the task changes: at every change
      the params go back to their initial values and the optimizer state to
      `init` of them.
    on_progress: optional host function `(update_index, task)`, called through
      `jax.debug.callback` every `config.progress_every` updates.

  Returns:
    `train(rng, hparams=None) -> {"params", "opt_state", "env_state", "metrics"}`:
    the final params, optimizer state (with the clip in front) and environment
    states, and the metrics. `hparams` is the dict of
    keyword arguments given to `optimizer` (e.g. `{"lr": 1e-3}`).
    Each metric has one entry per update (leading axis `schedule.num_updates`):
      "return": mean return (raw env reward) of the episodes that ended during the
        update's rollout, NaN if none did; "episodes": how many ended (with
        `config.fresh_episodes`, the episodes the rollout's end cut count too, so
        every update has one);
      "task": the task in force;
      "entropy", "value_loss": means over the update's minibatches;
      "scale": TRAC's scale S after the update (NaN if the optimizer has no TRAC);
      "dormant_0.0", "dormant_0.1": fraction of dormant hidden units (ReDo's
        score, threshold 0 and 0.1) on `config.probe_size` observations of the
        update's rollout, after the update;
      "param_norm", "distance_from_init": |theta| and |theta - theta_0| (global
        L2 norms) after the update.
  """
  config.validate()
  make_optimizer = optimizer if callable(optimizer) else (lambda **_: optimizer)
  batch_size = config.steps_per_update
  minibatch_size = batch_size // config.num_minibatches
  probe_every = max(1, batch_size // config.probe_size)
  step_envs = jax.vmap(tasks.env.step, in_axes=(0, 0, 0, None))
  xs = (jnp.arange(schedule.num_updates), jnp.asarray(schedule.tasks),
        jnp.asarray(schedule.switches), jnp.asarray(schedule.visits))
  has_switches = bool(schedule.switches.any())
  # An env is truncated at most once per `time_limit` steps, so a rollout holds at
  # most this many truncations to bootstrap (all its steps if the limit is unknown).
  max_truncations = config.num_envs * (
      config.num_steps if tasks.time_limit is None
      else -(-config.num_steps // tasks.time_limit))

  def init(rng, hparams=None):
    """The run's state before its first update: (params, opt_state, env_state, obs, rng,
    env_params, params_0)."""
    hparams = {} if hparams is None else hparams
    rng, key_tasks, key_net, key_env = jax.random.split(rng, 4)
    env_params = tasks.sample_params(key_tasks)
    # Only the "params" collection: `init` also returns what the network `sow`s.
    params_0 = {"params": network.init(key_net, jnp.zeros((1, *tasks.obs_shape)))["params"]}
    opt_state = make_tx(hparams).init(params_0)
    first_params = tasks.select(env_params, xs[1][0], xs[3][0])
    obs, env_state = jax.vmap(tasks.env.reset, in_axes=(0, None))(
        jax.random.split(key_env, config.num_envs), first_params)
    return (params_0, opt_state, env_state, obs, rng, env_params, params_0)

  def make_tx(hparams):
    tx = make_optimizer(**hparams)
    if config.max_grad_norm is not None:
      tx = optax.chain(optax.clip_by_global_norm(config.max_grad_norm), tx)
    return tx

  def advance(carry, hparams, xs):
    """The run through the updates of `xs` (a stretch of the schedule's inputs)."""
    hparams = {} if hparams is None else hparams
    *runner, env_params, params_0 = carry
    tx = make_tx(hparams)

    def update(runner, x):
      params, opt_state, env_state, obs, rng = runner
      # The index and task come from the scan's xs, so they stay unbatched under
      # vmap: the task switch and the progress `cond` below stay real branches.
      update_index, task, switch, visit = x
      task_params = tasks.select(env_params, task, visit)
      if config.fresh_episodes:  # new episodes, under the task in force
        rng, key_reset = jax.random.split(rng)
        obs, env_state = jax.vmap(tasks.env.reset, in_axes=(0, None))(
            jax.random.split(key_reset, config.num_envs), task_params)
      elif has_switches:  # the first action after a change sees the new task
        obs = jax.lax.cond(
            switch, lambda: jax.vmap(tasks.observe, in_axes=(0, None))(env_state, task_params),
            lambda: obs)
      if reset_at_switch:
        params, opt_state = jax.lax.cond(
            switch, lambda: (params_0, tx.init(params_0)), lambda: (params, opt_state))

      # Rollout.
      def env_step(carry, _):
        env_state, obs, rng = carry
        rng, key_act, key_step = jax.random.split(rng, 3)
        pi, value = network.apply(params, obs)
        action = pi.sample(seed=key_act)
        next_obs, env_state, reward, terminated, truncated, info = step_envs(
            jax.random.split(key_step, config.num_envs), env_state, action, task_params)
        transition = Transition(
            obs, action, pi.log_prob(action), value, reward, terminated, truncated,
            info["final_observation"], info["returned_episode"],
            info["returned_episode_returns"])
        return (env_state, next_obs, rng), transition

      (env_state, obs, rng), traj = jax.lax.scan(
          env_step, (env_state, obs, rng), None, config.num_steps)

      # Advantages. A time limit is not a terminal state: on truncation the value of
      # the final observation is bootstrapped into the reward, then the trace is cut.
      # Only the (few) truncated steps' final observations go through the network.
      _, last_value = network.apply(params, obs)
      bootstrap = traj.truncated & ~traj.terminated
      (where,) = jnp.nonzero(bootstrap.reshape(-1), size=max_truncations,
                             fill_value=bootstrap.size)
      _, values_at = network.apply(params, _flat(traj.final_obs)[0].at[where].get(
          mode="fill", fill_value=0))
      final_value = jnp.zeros(bootstrap.size).at[where].set(
          values_at, mode="drop").reshape(bootstrap.shape)
      reward = config.reward_scale * traj.reward + config.gamma * bootstrap * final_value
      discount = config.gamma * (1.0 - (traj.terminated | traj.truncated))
      values = jnp.concatenate([traj.value, last_value[None]], axis=0)
      advantages, targets = advantages_and_targets(reward, discount, values, config)
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

      flat = tuple(_flat(x)[0] for x in
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

      # Logging and plasticity diagnostics.
      if config.fresh_episodes:  # every step is in one episode; the last ones were cut
        episodes = jnp.sum(traj.episode_done) + jnp.sum(~traj.episode_done[-1])
        return_sum = jnp.sum(traj.reward)
      else:
        episodes = jnp.sum(traj.episode_done)
        return_sum = jnp.sum(jnp.where(traj.episode_done, traj.episode_return, 0.0))
      metrics = {
          "return": return_sum / episodes,  # NaN (0/0) when no episode ended
          "episodes": episodes.astype(jnp.int32),
          "task": task,
          "entropy": entropy.mean(),
          "value_loss": value_loss.mean(),
          "scale": plasticity.trac_scale(opt_state),
          **plasticity.diagnostics(network, params, params_0, flat[0][::probe_every]),
      }
      if on_progress is not None and config.progress_every > 0:
        jax.lax.cond(update_index % config.progress_every == 0,
                     lambda: jax.debug.callback(on_progress, update_index, task),
                     lambda: None)
      return (params, opt_state, env_state, obs, rng), metrics

    runner, metrics = jax.lax.scan(update, tuple(runner), xs)
    return (*runner, env_params, params_0), metrics

  def train(rng, hparams=None):
    carry, metrics = advance(init(rng, hparams), hparams, xs)
    params, opt_state, env_state = carry[:3]
    return {"params": params, "opt_state": opt_state, "env_state": env_state,
            "metrics": metrics}

  train.program = Program(init, advance, xs)
  return train


def advantages_and_targets(reward: jax.Array, discount: jax.Array, values: jax.Array,
                           config: PPOConfig) -> tuple[jax.Array, jax.Array]:
  """GAE advantages and the value's regression targets of a rollout.

  Args:
    reward: [T, E] rewards for learning (scaled, with bootstrapped values added
      where an episode was truncated).
    discount: [T, E] gamma, or 0 where an episode ended.
    values: [T + 1, E] the value of every observation and of the last one.
    config: `gae_lambda` and `value_target` ("gae": the lambda-returns,
      advantages + values; "returns": the discounted rewards-to-go, bootstrapped
      with the last value where the rollout cuts an episode).

  Returns:
    (advantages [T, E], targets [T, E]), advantages not yet normalised.
  """
  gae = jax.vmap(rlax.truncated_generalized_advantage_estimation, in_axes=(1, 1, None, 1),
                 out_axes=1)
  advantages = gae(reward, discount, config.gae_lambda, values)
  if config.value_target == "returns":  # GAE with lambda = 1, plus V: rewards-to-go
    return advantages, values[:-1] + gae(reward, discount, 1.0, values)
  return advantages, advantages + values[:-1]


def _flat(x: jax.Array) -> tuple[jax.Array, tuple[int, ...]]:
  """[num_steps, num_envs, ...] -> [num_steps * num_envs, ...], and the two leading sizes."""
  return x.reshape(-1, *x.shape[2:]), x.shape[:2]


def steps_to_updates(env_steps: int, config: PPOConfig) -> int:
  """Env steps per task -> whole updates (at least one), rounding to the nearest."""
  return max(1, int(np.rint(env_steps / config.steps_per_update)))
