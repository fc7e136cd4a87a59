"""The fixed yardstick MinAtar is scored on, as plain data: R_random and R_ref per game.

A game's normalised score is

    (R - R_random) / (R_ref - R_random),

0 for the uniformly random policy and 1 for the reference, on every game, with
neither number depending on the run being scored (`for_tasks`):

* R_random (`random_return`): the uniformly random policy's return over our
  full action set, measured by `python -m examples.minatar_random` and
  committed in `results/minatar_reference/random.json`.
* R_ref (`reference_return`): the gymnax authors' published PPO return where
  gymnax publishes one (`PUBLISHED_RETURNS`: gymnax-blines, 10M environment
  steps, a 2 x 256 MLP on the minimal action set; Breakout, SpaceInvaders,
  Asterix, Freeway), a number fixed outside this project that anyone can check.
  Seaquest has no published return, so its R_ref is what our own PPO reaches on
  it from scratch in the paper's budget per game, 4M environment steps
  (committed in `results/minatar_reference/reference.json`, measured by
  `python -m examples.minatar_reference` on a run of the reset oracle). A game
  in `reference.json` takes its R_ref from there; the file also sets the
  published return beside ours where there is one.

This module only reads the committed numbers (no JAX, no environment); the
two CLIs that measure them live apart.
"""

import json
import os
from typing import Optional, Sequence

import numpy as np

from examples.tasks import MINATAR_GAMES

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                       "minatar_reference")  # R_random and R_ref live side by side
RANDOM_JSON = os.path.join(RESULTS, "random.json")
REFERENCE_JSON = os.path.join(RESULTS, "reference.json")


def check_game(game: str):
  """Raises ValueError unless `game` is one of `examples.tasks.MINATAR_GAMES`."""
  if game not in MINATAR_GAMES:
    raise ValueError(f"unknown game {game!r}; MinAtar games: {', '.join(MINATAR_GAMES)}")


def random_return(game: str, path: str = RANDOM_JSON) -> float:
  """R_random: the committed mean return of the random policy on `game` (from `path`).

  Raises:
    ValueError: an unknown game, or one the file does not hold.
  """
  check_game(game)
  with open(path) as f:
    games = json.load(f)["games"]
  if game not in games:
    raise ValueError(f"{path} has no random return for {game}")
  return float(games[game]["mean"])


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


def for_tasks(task_names: Sequence[str]) -> Optional[dict[str, dict]]:
  """Per game of a sequence: {"random": R_random, "reference": R_ref, "source": ...}.

  Args:
    task_names: the tasks of a run, in task order.

  Returns:
    The yardstick of `examples.summary.summarize`; None when the tasks are not
    MinAtar games (observation shifts are scored by their raw return) or when a
    game has no reference yet (the from-scratch run that measures it is scored
    by its raw return).

  Example:
    >>> from examples import yardstick
    >>> yardstick.for_tasks(["CartPole-v1"]) is None
    True
    >>> sorted(yardstick.for_tasks(["Breakout-MinAtar"])["Breakout-MinAtar"])
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
    >>> from examples.yardstick import normalized_score
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
