"""A fixed yardstick for MinAtar: the normalised score and each game's reference return.

    python -m examples.minatar_reference --reference-from FOLDER [--out PATH]

A game's normalised score is

    (R - R_random) / (R_ref - R_random),

0 for the uniformly random policy and 1 for the reference, on every game, with
neither number depending on the run being scored (`yardstick`):

* R_random: the uniformly random policy's return over our full action set,
  measured by `examples.minatar_random` (committed in
  `results/minatar_reference/random.json`).
* R_ref (`reference_return`): the gymnax authors' published PPO return where
  gymnax publishes one (`PUBLISHED_RETURNS`: gymnax-blines, 10M environment
  steps, a 2 x 256 MLP on the minimal action set; Breakout, SpaceInvaders,
  Asterix, Freeway), a number fixed outside this project that anyone can check.
  Seaquest has no published return, so its R_ref is what our own PPO reaches on
  it from scratch in the paper's budget per game, 4M environment steps
  (committed in `results/minatar_reference/reference.json`, measured with
  `--reference-from` on a run of the reset oracle: the mean, over seeds, of the
  per-update return over the visit's last tenth). A game in `reference.json`
  takes its R_ref from there; the file also sets the published return beside
  ours where there is one.
"""

import json
import os
import sys
from typing import Optional, Sequence

import numpy as np

from examples import files, run_folder, stats
from examples.cli import Parser, unwritable
from examples.minatar_random import RESULTS, check_game, provenance, random_return
from examples.tasks import MINATAR_GAMES

# The gymnax-blines PPO returns, numbers only, from the "Ckpt (Return)" column of
# the table "Implemented Accelerated Environments" in RobertTLange/gymnax, README.md, as it
# stands at commit 086ad95697d5898b95ce3b14fa25f2b0bae4a1fc (2026-08-16). The numbers were
# put there by commits fb7c9537138c9ebf8245653253215af8c37bd0e2 (2022-06-20: Breakout 28,
# Freeway 58, SpaceInvaders 131) and bb236c1f4cb3650d3bb9ec74823f74c62bd443ce (2022-06-20,
# "Fix asterix - trains": Asterix 15) and have not changed since. The runs behind them are
# RobertTLange/gymnax-blines, agents/<game>/ppo.yaml at commit
# 3f029d6b98afb0d654d387b5bc0f7a592373ad66: PPO, num_train_steps 10,000,000, 64 envs x 128
# steps, 2 x 256 MLP over the flattened grid, on `gymnax.make(game)` with its default (in
# gymnax of 2022, minimal) action set. Seaquest-MinAtar's row has "-": no published number.
PUBLISHED_RETURNS = {
    "Breakout-MinAtar": 28.0,
    "SpaceInvaders-MinAtar": 131.0,
    "Asterix-MinAtar": 15.0,
    "Freeway-MinAtar": 58.0,
}

REFERENCE_JSON = os.path.join(RESULTS, "reference.json")
REFERENCE_TAIL = 0.1  # R_ref averages the last tenth of the from-scratch visit's updates


def reference_return(game: str, path: str = REFERENCE_JSON) -> tuple[float, str]:
  """R_ref of `game` and where it comes from (see the module docstring).

  Returns:
    (R_ref, source): our from-scratch PPO's return from `path` where it holds the
    game ("our PPO from scratch, 4M steps"), else the published gymnax-blines
    return ("gymnax-blines PPO, 10M steps").

  Raises:
    ValueError: an unknown game, or one with neither reference.
  """
  check_game(game)
  if os.path.isfile(path):
    with open(path) as f:
      games = json.load(f)["games"]
    if game in games:
      return float(games[game]["reference"]), games[game]["source"]
  if game in PUBLISHED_RETURNS:
    return PUBLISHED_RETURNS[game], "gymnax-blines PPO, 10M steps"
  raise ValueError(f"{game} has no reference return: {path} does not hold it and gymnax "
                   "publishes none")


def yardstick(task_names: Sequence[str]) -> Optional[dict[str, dict]]:
  """Per game of a sequence: {"random": R_random, "reference": R_ref, "source": ...}.

  Args:
    task_names: the tasks of a run, in task order.

  Returns:
    The yardstick of `examples.summary.summarize`; None when the tasks are not
    MinAtar games (observation shifts are scored by their raw return) or when a
    game has no reference yet (the from-scratch run that measures it is scored
    by its raw return).

  Example:
    >>> from examples.minatar_reference import yardstick
    >>> yardstick(["CartPole-v1"]) is None
    True
    >>> sorted(yardstick(["Breakout-MinAtar"])["Breakout-MinAtar"])
    ['random', 'reference', 'source']
  """
  if not all(name in MINATAR_GAMES for name in task_names):
    return None
  out = {}
  for game in task_names:
    try:
      r_ref, source = reference_return(game)
    except ValueError:
      return None
    out[game] = {"random": random_return(game), "reference": r_ref, "source": source}
  return out


def normalized_score(returns, game: str, r_random: Optional[float] = None,
                     r_ref: Optional[float] = None) -> np.ndarray:
  """(R - R_random) / (R_ref - R_random): 0 for the random policy, 1 for the reference.

  Args:
    returns: a return or an array of them (any shape) on `game`.
    game: a MinAtar game of `examples.tasks.MINATAR_GAMES`.
    r_random: R_random; by default the committed measurement (`random_return`).
    r_ref: R_ref; by default the committed one (`reference_return`).

  Returns:
    float64 array of `returns`' shape.

  Raises:
    ValueError: an unknown game, a game without a reference when `r_ref` is not
      given, or R_ref == R_random.

  Example:
    >>> from examples.minatar_reference import normalized_score
    >>> normalized_score([4.0, 28.0], "Breakout-MinAtar", r_random=4.0, r_ref=28.0)
    array([0., 1.])
  """
  check_game(game)
  if r_ref is None:
    r_ref, _ = reference_return(game)
  if r_random is None:
    r_random = random_return(game)
  if r_ref == r_random:
    raise ValueError(f"{game}: R_ref equals R_random ({r_ref}), the score is undefined")
  return (np.asarray(returns, np.float64) - r_random) / (r_ref - r_random)


def reference_from_run(folder: str, tail: float = REFERENCE_TAIL
                       ) -> tuple[dict[str, dict], dict]:
  """R_ref per game from a finished run of the reset oracle (one visit per game).

  Each seed's score on a game is the mean per-update return (`examples.stats.
  update_returns`) over the last `tail` of the visit's updates; R_ref is the
  mean over seeds.

  Args:
    folder: a run folder of `examples.lifelong` with the "reset" method, one
      cycle, one learning rate.
    tail: the fraction of each visit's last updates that is averaged.

  Returns:
    ({game: {"reference", "per_seed", "env_steps", "updates_averaged", "source"}},
    {"command", "code"} of the run).

  Raises:
    ValueError: the folder is not such a run.
  """
  grid, saved, schedule, steps_per_update = run_folder.load(folder)
  if "reset" not in grid.metrics or len(grid.configs["reset"]) != 1:
    raise ValueError(f"{folder} is not a run of the reset oracle at one setting")
  if schedule.num_cycles != 1 or saved.get("mode") != "games":
    raise ValueError(f"{folder} is not a one-cycle game sequence")
  per_update = stats.update_returns(grid.metrics["reset"])[:, 0]  # [seeds, updates]
  count = max(1, round(tail * schedule.updates_per_task))
  steps = schedule.updates_per_task * steps_per_update
  out = {}
  for seg in schedule.segments():
    per_seed = np.nanmean(per_update[:, seg.stop - count:seg.stop], axis=-1)
    out[saved["task_names"][seg.task]] = {
        "reference": float(per_seed.mean()),
        "per_seed": [float(v) for v in per_seed],
        "env_steps": steps,
        "updates_averaged": count,
        "source": f"our PPO from scratch, {steps / 1e6:.1f}M steps",
    }
  return out, {"command": saved.get("command"), "code": saved.get("code")}


def main(argv: Optional[Sequence[str]] = None) -> dict:
  prog = "python -m examples.minatar_reference"
  parser = Parser(prog=prog, description="The reference return R_ref of each game of a "
                  "from-scratch run, written as JSON.")
  parser.add_argument("--reference-from", required=True, metavar="FOLDER",
                      help="a finished one-cycle run of the reset oracle (python -m "
                      "examples.lifelong --games ... --cycles 1 --optimizers reset)")
  parser.add_argument("--out", default=REFERENCE_JSON,
                      help=f"JSON path (default {REFERENCE_JSON})")
  args = parser.parse_args(argv)
  out = args.out
  if os.path.isdir(out):
    parser.error(f"--out {out} is a folder, not a file")
  why = unwritable(os.path.dirname(out) or ".")
  if why:
    parser.error(f"--out {out}: {why}")
  try:
    games, run = reference_from_run(args.reference_from)
  except ValueError as e:
    parser.error(str(e))
  for game, entry in games.items():
    entry["published"] = PUBLISHED_RETURNS.get(game)
    seeds = ", ".join(f"{v:.2f}" for v in entry["per_seed"])
    print(f"{game}: R_ref {entry['reference']:.2f} (seeds {seeds}; gymnax-blines "
          f"{entry['published']})", file=sys.stderr)
  saved = {"what": "R_ref: the mean over seeds of the per-update return over the last "
                   f"{REFERENCE_TAIL:g} of a from-scratch visit of each game (reset oracle, "
                   "Adam); 'published' is gymnax-blines' PPO return, for comparison",
           **provenance(prog, argv), "run": args.reference_from,
           "run_command": run.get("command"), "run_code": run.get("code"), "games": games}
  os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
  files.write_json(out, saved)
  return saved


if __name__ == "__main__":
  main()
