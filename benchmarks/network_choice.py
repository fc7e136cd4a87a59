"""Which network for the MinAtar agent: MLP or CNN, by return and speed at the lifelong budget.

    python -m benchmarks.network_choice > benchmarks/results/cpu/minatar_network_choice.jsonl

Adam, one seed per learning rate (1e-3, 3e-3), 163,840 env steps (20 updates of
the "minatar" preset) on Breakout and on SpaceInvaders from scratch, observations
padded to 7 channels as in the four-game sequence; one jitted run at a time (no
vmap), wall time including compilation for the first learning rate. Prints one
JSON line per run: the mean return of the episodes that ended during the run
and the mean of the last 5 updates' returns.
"""

import json
import time

import jax
import numpy as np

from examples.games import DEFAULT_GAMES, game_tasks
from examples.grid import seed_key_array
from examples.methods import METHODS
from examples.ppo import make_train
from examples.presets import PRESETS
from examples.tasks import Schedule


def main():
  tasks = game_tasks(DEFAULT_GAMES)
  for g in [0, 1]:
    for preset in ["minatar", "minatar-cnn"]:
      p = PRESETS[preset]
      train = jax.jit(make_train(p.ppo, tasks, p.network.build(tasks.num_actions),
                                 METHODS["adam"].make, Schedule((g,), 20)))
      for lr in [1e-3, 3e-3]:
        t = time.perf_counter()
        m = train(seed_key_array(0, 1)[0], {"lr": lr})["metrics"]
        r, e = np.asarray(m["return"]), np.asarray(m["episodes"])
        wall = time.perf_counter() - t
        print(json.dumps(dict(
            preset=preset, game=DEFAULT_GAMES[g], lr=lr, wall=round(wall, 1),
            segment_return=round(float(np.nansum(np.nan_to_num(r) * e) / e.sum()), 2),
            last5=round(float(np.nanmean(r[-5:])), 2))), flush=True)


if __name__ == "__main__":
  main()
