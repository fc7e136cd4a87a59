"""R_random for MinAtar: the uniformly random policy's return per game, over our full action set.

    python -m examples.minatar_random [--episodes N ...] [--games ...] [--seed S] [--out PATH]

The zero of the fixed yardstick that `examples.yardstick` scores MinAtar on.
R_random (committed in `results/minatar_reference/random.json`) is the mean
episode return of the policy that draws each action uniformly from the 6
actions our agents choose from. `examples.games.GameSwitchEnv` makes every game
with `gymnax.make(game, use_minimal_action_set=False)`, so action i is MinAtar's
action i in every game: 0 noop, 1 left, 2 up, 3 right, 4 down, 5 fire. A game
ignores the actions it has no use for (they act as noop), so the random policy
here is not the random policy over a game's minimal action set: in Breakout
(minimal set noop, left, right) the paddle moves left 1/6 and right 1/6 of the
time and stands still 4/6 (not 1/3 each); in Freeway (noop, up, down) the
chicken goes up 1/6 of the time; in SpaceInvaders (noop, left, right, fire) up
and down are noops; in Asterix (noop, left, up, right, down) fire is a noop; in
Seaquest all 6 act. Episodes run to their natural end: a terminal state or
gymnax's time limit `env_params.max_steps_in_episode` (1,000 steps; Freeway
2,500).
"""

import datetime
import os
import sys
import time
from importlib import metadata
from typing import NamedTuple, Optional, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from examples import files
from examples.cli import Parser, command_line, unwritable
from examples.tasks import MINATAR_GAMES
from examples.yardstick import RANDOM_JSON, check_game

CHUNK = 1024  # episodes per compiled call: bounds memory, changes no number


class Episodes(NamedTuple):
  """Whole episodes of one game under the uniformly random policy."""
  returns: np.ndarray  # float64[episodes]: each episode's undiscounted return
  lengths: np.ndarray  # int64[episodes]: each episode's number of steps


def _make(game: str):
  """The game as `GameSwitchEnv` makes it (the full action set), and its default params."""
  # Imported here: importing gymnax initialises JAX's backend, which must wait for
  # `jax.distributed.initialize` in a multi-host run that only reads the yardstick.
  import gymnax

  from examples.games import NUM_ACTIONS
  check_game(game)
  env, params = gymnax.make(game, use_minimal_action_set=False)
  if env.action_space(params).n != NUM_ACTIONS:
    raise ValueError(f"{game} does not have MinAtar's {NUM_ACTIONS} actions")
  return env, params


def _episode_fn(game: str):
  """A jitted function from a batch of keys to each key's random episode (return, length)."""
  env, params = _make(game)
  num_actions = env.action_space(params).n

  def episode(key):
    key, reset_key = jax.random.split(key)
    _, state = env.reset(reset_key, params)

    def running(carry):
      return ~carry[-1]

    def step(carry):
      key, state, total, length, _ = carry
      key, action_key, step_key = jax.random.split(key, 3)
      action = jax.random.randint(action_key, (), 0, num_actions)
      # gymnax's step ends the episode at a terminal state or at max_steps_in_episode
      # (done = terminated | truncated); the auto-reset state it returns is not used.
      _, state, reward, terminated, truncated, _ = env.step(step_key, state, action, params)
      return key, state, total + reward, length + 1, terminated | truncated

    carry = (key, state, jnp.zeros([], jnp.float32), jnp.zeros([], jnp.int32),
             jnp.zeros([], bool))
    _, _, total, length, _ = jax.lax.while_loop(running, step, carry)
    return total, length

  return jax.jit(jax.vmap(episode))


def random_episodes(game: str, episodes: int, key: jax.Array) -> Episodes:
  """Plays `episodes` whole episodes of `game` with the uniformly random policy.

  Each action is drawn uniformly from the 6 actions of the full MinAtar action
  set, the set `examples.games.GameSwitchEnv` gives our agents; an episode runs
  until gymnax ends it (a terminal state or `max_steps_in_episode`). Episode i's
  randomness comes from the i-th of `jax.random.split(key, episodes)`, so the
  numbers depend on `key` and not on how the episodes are batched.

  Args:
    game: a MinAtar game of `examples.tasks.MINATAR_GAMES`.
    episodes: how many episodes (>= 1).
    key: a JAX PRNG key.

  Returns:
    An `Episodes` of per-episode returns and lengths.

  Raises:
    ValueError: an unknown game or `episodes` < 1.

  Example:
    >>> import jax
    >>> from examples.minatar_random import random_episodes
    >>> run = random_episodes("Breakout-MinAtar", 8, jax.random.key(0))
    >>> run.returns.shape, run.lengths.shape
    ((8,), (8,))
  """
  check_game(game)
  if episodes < 1:
    raise ValueError(f"episodes must be >= 1, got {episodes}")
  play = _episode_fn(game)
  keys = jax.random.split(key, episodes)
  returns, lengths = [], []
  for start in range(0, episodes, CHUNK):
    total, length = play(keys[start:start + CHUNK])
    returns.append(np.asarray(total, np.float64))
    lengths.append(np.asarray(length, np.int64))
  return Episodes(np.concatenate(returns), np.concatenate(lengths))


def random_returns(game: str, episodes: int, key: jax.Array) -> np.ndarray:
  """Per-episode returns of the uniformly random policy over our full action set.

  See `random_episodes`, which this calls and which also gives the lengths.

  Args:
    game: a MinAtar game of `examples.tasks.MINATAR_GAMES`.
    episodes: how many episodes (>= 1).
    key: a JAX PRNG key.

  Returns:
    float64[episodes], each episode's undiscounted return.

  Example:
    >>> import jax
    >>> from examples.minatar_random import random_returns
    >>> random_returns("Breakout-MinAtar", 100, jax.random.key(0)).mean()  # doctest: +SKIP
    0.5...
  """
  return random_episodes(game, episodes, key).returns


def _version(package: str) -> str:
  try:
    return metadata.version(package)
  except metadata.PackageNotFoundError:
    return "unknown"


def provenance(prog: str, argv: Optional[Sequence[str]]) -> dict:
  """What a measurement's JSON records of how it was made: command, versions, backend, date."""
  return {"command": command_line(prog, argv),
          "versions": {p: _version(p) for p in ("jax", "jaxlib", "gymnax")},
          "backend": jax.default_backend(),
          "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def main(argv: Optional[Sequence[str]] = None) -> dict:
  prog = "python -m examples.minatar_random"
  parser = Parser(prog=prog, description="The uniformly random policy's mean return on each "
                  "MinAtar game over the full 6-action set (R_random), written as JSON.")
  parser.add_argument("--episodes", type=int, nargs="+", default=[10_000], metavar="N",
                      help="episodes per game: one number for all, or one per game in the "
                      "order of --games (default 10000)")
  parser.add_argument("--games", nargs="+", default=list(MINATAR_GAMES), metavar="GAME",
                      help=f"games (default: all: {' '.join(MINATAR_GAMES)})")
  parser.add_argument("--seed", type=int, default=0, help="PRNG seed (default 0)")
  parser.add_argument("--out", default=RANDOM_JSON, help=f"JSON path (default {RANDOM_JSON})")
  args = parser.parse_args(argv)
  if os.path.isdir(args.out):
    parser.error(f"--out {args.out} is a folder, not a file")
  games, episodes, out = args.games, args.episodes, args.out
  for game in games:
    if game not in MINATAR_GAMES:
      parser.error(f"unknown game {game!r}; MinAtar games: {', '.join(MINATAR_GAMES)}")
  if len(set(games)) != len(games):
    parser.error("each game may be given once")
  if len(episodes) not in (1, len(games)):
    parser.error(f"--episodes takes one number or one per game ({len(games)}), "
                 f"got {len(episodes)}")
  if min(episodes) < 2:
    parser.error(f"--episodes must be >= 2 (a standard error needs two), got {min(episodes)}")
  why = unwritable(os.path.dirname(out) or ".")
  if why:
    parser.error(f"--out {out}: {why}")
  counts = episodes * len(games) if len(episodes) == 1 else episodes

  results = {}
  keys = jax.random.split(jax.random.key(args.seed), len(MINATAR_GAMES))
  for game, count in zip(games, counts):
    start = time.perf_counter()
    run = random_episodes(game, count, keys[MINATAR_GAMES.index(game)])
    seconds = time.perf_counter() - start
    results[game] = {
        "mean": float(run.returns.mean()),
        "standard_error": float(run.returns.std(ddof=1) / np.sqrt(count)),
        "episodes": count,
        "mean_length": float(run.lengths.mean()),
        "max_length": int(run.lengths.max()),
        "wall_time_s": round(seconds, 1),
    }
    print(f"{game}: {results[game]['mean']:.4f} +- {results[game]['standard_error']:.4f} "
          f"({count} episodes, mean length {results[game]['mean_length']:.1f}, "
          f"{seconds:.1f} s)", file=sys.stderr)
  about = provenance(prog, argv)
  saved = {
      "what": "mean episode return of the uniformly random policy over the full 6-action "
              "MinAtar set (gymnax.make(game, use_minimal_action_set=False)), episodes run "
              "to a terminal state or max_steps_in_episode",
      "command": about.pop("command"),
      "seed": args.seed,
      **about,
      "games": results,
  }
  os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
  files.write_json(out, saved)
  return saved


if __name__ == "__main__":
  main()
