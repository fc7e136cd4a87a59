"""Which network for the MinAtar agent: MLP or CNN, by return and speed at the lifelong budget.

    python -m benchmarks.network_choice [--updates 20] [--lrs 1e-3 3e-3] [--games GAME ...]
                                        [--json PATH]

Adam, one seed per learning rate, 163,840 env steps (20 updates of the "minatar"
preset) on Breakout and on SpaceInvaders from scratch, observations padded to 7
channels as in the four-game sequence; one jitted run at a time (no vmap), wall
time including compilation for the first learning rate. Prints one JSON line per
run (the lines of benchmarks/results/cpu/minatar_network_choice.jsonl): the mean
return of the episodes that ended during the run and the mean of the last 5
updates' returns.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import jax
import numpy as np

from benchmarks import _timing
from examples.games import DEFAULT_GAMES, game_tasks
from examples.grid import seed_key_array
from examples.methods import METHODS
from examples.ppo import make_train
from examples.presets import PRESETS
from examples.tasks import Schedule

NETWORKS = ("minatar", "minatar-cnn")  # presets: the MLP and the CNN


def _lr(text: str) -> float:
  try:
    value = float(text)
  except ValueError:
    raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
  if not (math.isfinite(value) and value > 0):
    raise argparse.ArgumentTypeError(f"must be a number > 0, got {text}")
  return value


def parse_args(argv=None):
  parser = _timing.parser("network_choice", __doc__)
  parser.add_argument("--updates", type=_timing.count(1), default=20,
                      help="PPO updates per run (default: 20)")
  parser.add_argument("--lrs", type=_lr, nargs="+", default=[1e-3, 3e-3],
                      help="adam's learning rates, one run each (default: 1e-3 3e-3)")
  parser.add_argument("--games", nargs="+", choices=DEFAULT_GAMES,
                      default=list(DEFAULT_GAMES[:2]), metavar="GAME",
                      help="games of the four-game sequence, each alone"
                           f" (default: {' '.join(DEFAULT_GAMES[:2])})")
  return parser.parse_args(argv)


def run(preset: str, game: str, lrs, updates: int) -> list[dict]:
  """One run per learning rate of adam with ``preset``'s network on ``game`` alone."""
  tasks = game_tasks(DEFAULT_GAMES)
  p = PRESETS[preset]
  schedule = Schedule((DEFAULT_GAMES.index(game),), updates)
  train = jax.jit(make_train(p.ppo, tasks, p.network.build(tasks.num_actions),
                             METHODS["adam"].make, schedule))
  rows = []
  for lr in lrs:
    print(f"{preset} on {game}, lr {lr:g}...", file=sys.stderr, flush=True)
    t = time.perf_counter()
    m = train(seed_key_array(0, 1)[0], {"lr": lr})["metrics"]
    r, e = np.asarray(m["return"]), np.asarray(m["episodes"])
    wall = time.perf_counter() - t
    rows.append(dict(
        preset=preset, game=game, lr=lr, wall=round(wall, 1),
        segment_return=round(float(np.nansum(np.nan_to_num(r) * e) / e.sum()), 2),
        last5=round(float(np.nanmean(r[-5:])), 2)))
  return rows


def print_table(result: dict, file) -> None:
  for row in result["rows"]:
    print(json.dumps(row), file=file)


def main(argv=None) -> dict:
  args = parse_args(argv)
  rows = [row for game in args.games for preset in NETWORKS
          for row in run(preset, game, args.lrs, args.updates)]
  env_steps = args.updates * PRESETS["minatar"].ppo.steps_per_update
  settings = {"updates": args.updates, "env_steps": env_steps, "lrs": args.lrs,
              "games": args.games, "presets": NETWORKS, "method": "adam", "seed": 0}
  return _timing.finish("network_choice", args, settings, {"rows": rows}, print_table,
                        ("gymnax", "flax"))


if __name__ == "__main__":
  main()
