"""What TRAC costs in training throughput: the lifelong example's PPO with adam vs trac(adam), and rejax.

    python -m benchmarks.ppo [--steps 5e5] [--scaling-steps 2.5e4] [--seeds 1 4 16 64]
        [--optimizers adam adam_flat trac trac_flat] [--no-rejax] [--json PATH]

The PPO of ``examples/ppo.py`` (PureJaxRL-style, the whole run one jitted
``lax.scan``) on CartPole-v1 with its "purejaxrl" preset: 4 envs x 128 steps per
update, 4 epochs of 4 minibatches, lr 2.5e-4, global-norm clip 0.5, 2x64 tanh
actor and critic, one level (no shift), with its per-update plasticity
diagnostics (dormant units, norms) included. Three measurements, each interleaved
with warm-up rounds dropped and compile time taken separately:

1. one seed, ``--steps`` environment steps, ``jit(train)``: env steps/s of adam,
   trac(adam), each also under ``optax.flatten`` (the same algorithm on one flat
   buffer for all the leaves: "adam_flat", "trac_flat"), and rejax's PPO at the
   same configuration;
2. ``--vmapped-seeds`` seeds in one ``jit(vmap(train))`` call, the same five,
   aggregate env steps/s;
3. seed scaling of trac(adam): the time of one vmapped call for each of
   ``--seeds`` at ``--scaling-steps`` steps per seed, and its compile time.

rejax 0.1.3 predates gymnax 1.0's six-value ``step``, so its env is wrapped in
gymnax's ``LegacyStepAPIWrapper`` (done = terminated or truncated); its own
evaluation callback is replaced by a no-op so that only training is timed. Its
``max_grad_norm`` clips each gradient element (``optax.clip``), not the global norm.
"""

from __future__ import annotations

import dataclasses
import importlib.util

import gymnax
import jax
import jax.numpy as jnp
import optax
from gymnax.wrappers import LegacyStepAPIWrapper

from benchmarks import _timing
from examples.methods import METHODS
from examples.ppo import make_train
from examples.presets import PRESETS, Preset
from examples.shifts import shift_tasks
from examples.tasks import Schedule, TaskSet

# What each name trains with: lr -> an optax transformation. The "_flat" ones are the same
# transformation under optax.flatten, one buffer for all the leaves.
OPTIMIZERS = {
    "adam": METHODS["adam"].make,
    "adam_flat": lambda lr: optax.flatten(optax.adam(lr)),
    "trac": METHODS["trac"].make,
    "trac_flat": METHODS["trac_flat"].make,
}


@dataclasses.dataclass(frozen=True)
class Setting:
  """What one throughput measurement trains: tasks, PPO preset, number of updates."""

  tasks: TaskSet
  preset: Preset
  num_updates: int
  rejax_env: tuple  # (gymnax env, env params) for rejax: the same game and action set

  @property
  def env_steps(self) -> int:
    return self.num_updates * self.preset.ppo.steps_per_update


def cartpole(env_steps: int) -> Setting:
  preset = PRESETS["purejaxrl"]
  return Setting(shift_tasks("CartPole-v1"), preset,
                 max(1, env_steps // preset.ppo.steps_per_update), gymnax.make("CartPole-v1"))


def ours(setting: Setting, optimizer: str):
  """Our PPO ``train(rng)`` with one of `OPTIMIZERS` at the preset's learning rate."""
  train = make_train(setting.preset.ppo, setting.tasks,
                     setting.preset.network.build(setting.tasks.num_actions),
                     OPTIMIZERS[optimizer], Schedule.levels(1, setting.num_updates))
  return lambda rng: train(rng, {"lr": setting.preset.lr})


class _RejaxEnv(LegacyStepAPIWrapper):
  """A gymnax env as rejax 0.1.3 expects it (five-value ``step``).

  rejax deep-copies its config, env included, and a gymnax wrapper's attribute
  forwarding recurses forever under ``copy.deepcopy``; envs hold no state, so a
  copy is the env itself.
  """

  def __deepcopy__(self, memo):
    return self


def rejax_train(setting: Setting):
  """rejax's PPO ``train(rng)`` on the same environment, at the same configuration."""
  from rejax import PPO  # optional dependency, imported only when rejax is measured

  config, network = setting.preset.ppo, setting.preset.network
  if network.kind != "mlp":
    raise ValueError("rejax is only configured here for the MLP presets")
  env, env_params = setting.rejax_env
  algo = PPO.create(
      env=_RejaxEnv(env), env_params=env_params,
      num_envs=config.num_envs, num_steps=config.num_steps,
      num_epochs=config.num_epochs, num_minibatches=config.num_minibatches,
      learning_rate=setting.preset.lr, max_grad_norm=config.max_grad_norm, gamma=config.gamma,
      gae_lambda=config.gae_lambda, clip_eps=config.clip_eps, ent_coef=config.ent_coef,
      vf_coef=config.vf_coef,
      agent_kwargs={"activation": network.activation,
                    "hidden_layer_sizes": tuple(network.hidden_sizes)},
      # One evaluation period spanning the whole run, and a no-op evaluation.
      total_timesteps=setting.env_steps, eval_freq=setting.env_steps,
      skip_initial_evaluation=True)
  algo = algo.replace(eval_callback=lambda algo, ts, rng: jnp.zeros(()))
  return algo.train


def candidates(setting: Setting, with_rejax: bool, optimizers=tuple(OPTIMIZERS)) -> dict:
  """``train(rng)`` of each of our `optimizers`, and rejax's if asked."""
  trains = {name: ours(setting, name) for name in optimizers}
  if with_rejax:
    trains["rejax"] = rejax_train(setting)
  return trains


def measure(trains: dict, seeds: int, env_steps_per_seed: int, rounds: int, warmup: int,
            vmapped: bool = True) -> dict:
  """Compiles each ``jit(vmap(train))`` (``jit(train)`` if not vmapped) and times it, interleaved."""
  if vmapped:
    args, wrap = jax.random.split(jax.random.key(0), seeds), jax.vmap
  elif seeds == 1:
    args, wrap = jax.random.key(0), lambda f: f
  else:
    raise ValueError("several seeds need vmapped=True")
  calls, rows = {}, {}
  for name, train in trains.items():
    compiled, seconds = _timing.compile_seconds(jax.jit(wrap(train)), args)
    rows[name] = {"compile_s": seconds}
    calls[name] = lambda c=compiled: jax.block_until_ready(c(args))
  timings = _timing.interleaved(calls, rounds=rounds, warmup=warmup)
  for name, t in timings.items():
    rows[name].update(
        s_per_call=t.median, s_q1=t.q1, s_q3=t.q3, s_rounds=list(t.samples),
        env_steps_per_s=seeds * env_steps_per_seed / t.median)
  return rows, timings


def parse_args(argv=None):
  parser = _timing.parser("ppo", __doc__, rounds=5, warmup=1)
  parser.add_argument("--steps", type=_timing.count(512), default=500_000,
                      help="env steps per seed for the throughput runs (default: 5e5)")
  parser.add_argument("--vmapped-seeds", type=_timing.count(1), default=4,
                      help="seeds in the vmapped throughput run (default: 4)")
  parser.add_argument("--scaling-steps", type=_timing.count(512), default=25_000,
                      help="env steps per seed for the seed-scaling runs (default: 2.5e4)")
  parser.add_argument("--seeds", type=_timing.count(1), nargs="+", default=[1, 4, 16, 64],
                      help="seed counts of the scaling runs (default: 1 4 16 64)")
  parser.add_argument("--vmapped-rounds", type=_timing.count(1), default=3,
                      help="measured rounds of the vmapped and scaling runs, in place of"
                           " --rounds (default: 3)")
  return parse_with_rejax(parser, argv)


def parse_with_rejax(parser, argv, optimizers=tuple(OPTIMIZERS)):
  """Adds ``--optimizers`` (a subset of `optimizers`, adam among them) and ``--no-rejax``,
  and parses; rejax missing and not left out is a bad command line."""
  parser.add_argument("--optimizers", nargs="+", default=list(optimizers), choices=optimizers,
                      metavar="NAME", help=f"ours to time, adam among them (default:"
                      f" {' '.join(optimizers)})")
  parser.add_argument("--no-rejax", action="store_true", help="leave rejax out")
  args = parser.parse_args(argv)
  if "adam" not in args.optimizers:
    parser.error("--optimizers must include adam, the baseline of every ratio")
  if len(set(args.optimizers)) != len(args.optimizers):
    parser.error(f"--optimizers lists a name twice: {' '.join(args.optimizers)}")
  if not args.no_rejax and importlib.util.find_spec("rejax") is None:
    parser.error("rejax is not installed: pip install rejax==0.1.3, or pass --no-rejax")
  return args


def print_table(result: dict, file) -> None:
  for key in ("one_seed", "vmapped"):
    run = result[key]
    print(f"{run['seeds']} seed(s) x {run['env_steps_per_seed']} env steps:", file=file)
    for name, row in run["rows"].items():
      print(f"  {name:9} {row['env_steps_per_s'] / 1e3:8.1f}k env steps/s"
            f"  ({row['s_per_call']:.2f} s/call, compile {row['compile_s']:.1f} s)", file=file)
    for name, value in run["ratios"].items():
      print(f"  {name}: {value:.3f}", file=file)
  scaling = result["seed_scaling"]
  print(f"trac(adam), vmapped over seeds, {scaling['env_steps_per_seed']} env steps per seed:",
        file=file)
  for row in scaling["rows"]:
    print(f"  {row['seeds']:3} seeds: {row['s_per_call']:7.2f} s/call"
          f" ({row['time_over_fewest_seeds']:.2f}x fewest seeds),"
          f" {row['env_steps_per_s'] / 1e3:8.1f}k env steps/s, compile {row['compile_s']:.1f} s",
          file=file)


def ratios(timings: dict) -> dict:
  """Throughput ratios, as medians of per-round time ratios (see ``_timing.ratio``)."""
  tracs = [name for name in ("trac", "trac_flat") if name in timings]
  out = {f"{name}_overhead": _timing.ratio(timings[name], timings["adam"]) - 1 for name in tracs}
  if "trac_flat" in timings and "adam_flat" in timings:  # like for like: both flat
    out["trac_flat_overhead_vs_adam_flat"] = (
        _timing.ratio(timings["trac_flat"], timings["adam_flat"]) - 1)
  if "rejax" in timings:
    for name in ("adam", *tracs):
      out[f"{name}_over_rejax"] = _timing.ratio(timings["rejax"], timings[name])
  return out


def main(argv=None) -> dict:
  args = parse_args(argv)
  setting = cartpole(args.steps)
  steps = setting.env_steps
  trains = candidates(setting, not args.no_rejax, args.optimizers)
  one, one_timings = measure(trains, 1, steps, args.rounds, args.warmup, vmapped=False)
  vmapped, vmapped_timings = measure(trains, args.vmapped_seeds, steps, args.vmapped_rounds,
                                     args.warmup)

  scaling_setting = cartpole(args.scaling_steps)
  scaling_steps = scaling_setting.env_steps
  scaling_train = {"trac": ours(scaling_setting, "trac")}
  scaling = []
  for seeds in sorted(set(args.seeds)):
    row = measure(scaling_train, seeds, scaling_steps, args.vmapped_rounds,
                  args.warmup)[0]["trac"]
    scaling.append({"seeds": seeds, **row})
  for row in scaling:
    row["time_over_fewest_seeds"] = row["s_per_call"] / scaling[0]["s_per_call"]

  settings = {"env": "CartPole-v1", "num_envs": setting.preset.ppo.num_envs,
              "num_steps": setting.preset.ppo.num_steps, "num_updates": setting.num_updates,
              "vmapped_rounds": args.vmapped_rounds}
  results = {
      "one_seed": {"seeds": 1, "env_steps_per_seed": steps, "rows": one,
                   "ratios": ratios(one_timings)},
      "vmapped": {"seeds": args.vmapped_seeds, "env_steps_per_seed": steps, "rows": vmapped,
                  "ratios": ratios(vmapped_timings)},
      "seed_scaling": {"env_steps_per_seed": scaling_steps, "rows": scaling},
  }
  return _timing.finish("ppo", args, settings, results, print_table, ("gymnax", "flax", "rejax"))


if __name__ == "__main__":
  main()
