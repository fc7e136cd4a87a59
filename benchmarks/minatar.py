"""Training throughput on MinAtar: the lifelong example's PPO (adam, trac(adam)) and rejax's, per game.

    python -m benchmarks.minatar [--games ...] [--sequence ...] [--steps 8.2e4]
        [--vmapped-seeds 4] [--optimizers adam trac trac_flat] [--no-rejax] [--json PATH]

For each game (default all five), our PPO with the "minatar" preset (PureJaxRL's MinAtar PPO: 64
envs x 128 steps per update, 4 epochs of 8 minibatches, 2x64 ReLU actor and
critic over the flattened 10x10xC grid, global-norm clip 0.5, the full 6-action
set, per-update plasticity diagnostics included) with adam, with trac(adam)
and with ``optax.flatten(trac(adam))``, and rejax's PPO at the same
configuration on the same environment
(`gymnax.make(game, use_minimal_action_set=False)`), are timed side by side:
one seed (`jit(train)`) and `--vmapped-seeds` seeds (`jit(vmap(train))`),
interleaved rounds, medians, compile time apart (see `benchmarks._timing`).

Last, the lifelong setting itself: the `--sequence` of games (default
SpaceInvaders > Asterix > Seaquest, the MinAtar results' sequence, observations
padded to the most channels of its games), the game switching every
`--steps` / (number of games) env steps, our PPO with trac(adam), one seed and
vmapped.
"""

from __future__ import annotations

import sys

import gymnax

from benchmarks import _timing
from benchmarks.ppo import Setting, candidates, measure, parse_with_rejax, ratios
from examples.games import game_tasks
from examples.tasks import CONTINUAL_GAMES, MINATAR_GAMES
from examples.methods import METHODS
from examples.ppo import make_train
from examples.presets import PRESETS
from examples.tasks import Schedule

OPTIMIZERS = ("adam", "trac", "trac_flat")  # of benchmarks.ppo.OPTIMIZERS


def game(name: str, env_steps: int) -> Setting:
  preset = PRESETS["minatar"]
  return Setting(game_tasks([name]), preset, max(1, env_steps // preset.ppo.steps_per_update),
                 gymnax.make(name, use_minimal_action_set=False))


def parse_args(argv=None):
  parser = _timing.parser("minatar", __doc__, rounds=3, warmup=1)
  parser.add_argument("--games", nargs="+", default=list(MINATAR_GAMES), choices=MINATAR_GAMES,
                      metavar="GAME", help=f"default: all five, {' '.join(MINATAR_GAMES)}")
  parser.add_argument("--sequence", nargs="+", default=list(CONTINUAL_GAMES),
                      choices=MINATAR_GAMES, metavar="GAME",
                      help="the lifelong sequence timed last (default: the MinAtar results' "
                      f"{' '.join(CONTINUAL_GAMES)})")
  parser.add_argument("--steps", type=_timing.count(8192), default=81_920,
                      help="env steps per seed and call (default: 8.2e4, 10 updates)")
  parser.add_argument("--vmapped-seeds", type=_timing.count(1), default=4,
                      help="seeds in the vmapped runs (default: 4)")
  return parse_with_rejax(parser, argv, OPTIMIZERS)


def _measure_both(trains: dict, steps: int, args) -> dict:
  out = {}
  for key, seeds, vmapped in (("one_seed", 1, False), ("vmapped", args.vmapped_seeds, True)):
    rows, timings = measure(trains, seeds, steps, args.rounds, args.warmup, vmapped=vmapped)
    out[key] = {"seeds": seeds, "env_steps_per_seed": steps, "rows": rows,
                "ratios": ratios(timings) if "adam" in timings else {}}
  return out


def print_table(result: dict, file) -> None:
  for name, runs in list(result["games"].items()) + [("lifelong sequence", result["lifelong"])]:
    print(f"{name}:", file=file)
    for key in ("one_seed", "vmapped"):
      run = runs[key]
      rates = ", ".join(f"{n} {row['env_steps_per_s'] / 1e3:.1f}k" for n, row in run["rows"].items())
      versus = ", ".join(f"{n} {v:.3f}" for n, v in run["ratios"].items())
      print(f"  {run['seeds']} seed(s): {rates} env steps/s" + (f"; {versus}" if versus else ""),
            file=file)


def main(argv=None) -> dict:
  args = parse_args(argv)
  games = {}
  for name in args.games:
    setting = game(name, args.steps)
    print(f"{name}...", file=sys.stderr, flush=True)
    games[name] = _measure_both(candidates(setting, not args.no_rejax, args.optimizers),
                                setting.env_steps, args)
  preset = PRESETS["minatar"]
  updates = max(len(args.sequence), args.steps // preset.ppo.steps_per_update)
  tasks = game_tasks(args.sequence)
  print("lifelong sequence...", file=sys.stderr, flush=True)
  schedule = Schedule.cycles(len(args.sequence), updates // len(args.sequence), 1)
  train = make_train(preset.ppo, tasks, preset.network.build(tasks.num_actions),
                     METHODS["trac"].make, schedule)
  lifelong = _measure_both({"trac": lambda rng: train(rng, {"lr": preset.lr})},
                           schedule.num_updates * preset.ppo.steps_per_update, args)
  settings = {"preset": "minatar", "num_envs": preset.ppo.num_envs,
              "num_steps": preset.ppo.num_steps, "env_steps_per_call": args.steps,
              "vmapped_seeds": args.vmapped_seeds, "sequence": args.sequence}
  return _timing.finish("minatar", args, settings, {"games": games, "lifelong": lifelong},
                        print_table, ("gymnax", "flax", "rejax"))


if __name__ == "__main__":
  main()
