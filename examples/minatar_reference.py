"""A fixed yardstick for MinAtar: the random policy's return and a reference return per game.

    python -m examples.minatar_reference [--episodes N] [--games ...] [--out PATH]
    python -m examples.minatar_reference --reference-from FOLDER [--out PATH]

A game's normalised score is

    (R - R_random) / (R_ref - R_random),

0 for the uniformly random policy and 1 for the reference, on every game, with
neither number depending on the run being scored (`yardstick`):

* R_random (`random_returns`, committed in `results/minatar_reference/random.json`):
  the mean episode return of the policy that draws each action uniformly from
  the 6 actions our agents choose from. `examples.games.GameSwitchEnv` makes
  every game with `gymnax.make(game, use_minimal_action_set=False)`, so action i
  is MinAtar's action i in every game: 0 noop, 1 left, 2 up, 3 right, 4 down,
  5 fire. A game ignores the actions it has no use for (they act as noop), so
  the random policy here is not the random policy over a game's minimal action
  set: in Breakout (minimal set noop, left, right) the paddle moves left 1/6 and
  right 1/6 of the time and stands still 4/6 (not 1/3 each); in Freeway (noop,
  up, down) the chicken goes up 1/6 of the time; in SpaceInvaders (noop, left,
  right, fire) up and down are noops; in Asterix (noop, left, up, right, down)
  fire is a noop; in Seaquest all 6 act.
  Episodes run to their natural end: a terminal state or gymnax's time limit
  `env_params.max_steps_in_episode` (1,000 steps; Freeway 2,500).
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

import datetime
import json
import os
import sys
import time
from importlib import metadata
from typing import NamedTuple, Optional, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from examples import run_folder, stats
from examples.cli import Parser, command_line, unwritable
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

_HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "minatar_reference")
RANDOM_JSON = os.path.join(_HERE, "random.json")
REFERENCE_JSON = os.path.join(_HERE, "reference.json")
REFERENCE_TAIL = 0.1  # R_ref averages the last tenth of the from-scratch visit's updates
CHUNK = 1024  # episodes per compiled call: bounds memory, changes no number


class Episodes(NamedTuple):
  """Whole episodes of one game under the uniformly random policy."""
  returns: np.ndarray  # float64[episodes]: each episode's undiscounted return
  lengths: np.ndarray  # int64[episodes]: each episode's number of steps


def _check_game(game: str):
  if game not in MINATAR_GAMES:
    raise ValueError(f"unknown game {game!r}; MinAtar games: {', '.join(MINATAR_GAMES)}")


def _make(game: str):
  """The game as `GameSwitchEnv` makes it (the full action set), and its default params."""
  # Imported here: importing gymnax initialises JAX's backend, which must wait for
  # `jax.distributed.initialize` in a multi-host run that only reads the yardstick.
  import gymnax

  from examples.games import NUM_ACTIONS
  _check_game(game)
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
    >>> from examples.minatar_reference import random_episodes
    >>> run = random_episodes("Breakout-MinAtar", 8, jax.random.key(0))
    >>> run.returns.shape, run.lengths.shape
    ((8,), (8,))
  """
  _check_game(game)
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
    >>> from examples.minatar_reference import random_returns
    >>> random_returns("Breakout-MinAtar", 100, jax.random.key(0)).mean()  # doctest: +SKIP
    0.5...
  """
  return random_episodes(game, episodes, key).returns


def random_return(game: str, path: str = RANDOM_JSON) -> float:
  """R_random: the committed mean return of the random policy on `game` (from `path`).

  Raises:
    ValueError: an unknown game, or one the file does not hold.
  """
  _check_game(game)
  with open(path) as f:
    games = json.load(f)["games"]
  if game not in games:
    raise ValueError(f"{path} has no random return for {game}")
  return float(games[game]["mean"])


def reference_return(game: str, path: str = REFERENCE_JSON) -> tuple[float, str]:
  """R_ref of `game` and where it comes from (see the module docstring).

  Returns:
    (R_ref, source): our from-scratch PPO's return from `path` where it holds the
    game ("our PPO from scratch, 4M steps"), else the published gymnax-blines
    return ("gymnax-blines PPO, 10M steps").

  Raises:
    ValueError: an unknown game, or one with neither reference.
  """
  _check_game(game)
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
  _check_game(game)
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


def _version(package: str) -> str:
  try:
    return metadata.version(package)
  except metadata.PackageNotFoundError:
    return "unknown"


def _write(path: str, saved: dict):
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  with open(path, "w") as f:
    json.dump(saved, f, indent=1)
    f.write("\n")


def _about(prog: str, argv) -> dict:
  return {"command": command_line(prog, argv),
          "versions": {p: _version(p) for p in ("jax", "jaxlib", "gymnax")},
          "backend": jax.default_backend(),
          "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def main(argv: Optional[Sequence[str]] = None) -> dict:
  prog = "python -m examples.minatar_reference"
  parser = Parser(prog=prog, description="The random policy's mean return on each MinAtar "
                  "game (full action set), or, with --reference-from, the reference returns "
                  "of a from-scratch run; written as JSON.")
  parser.add_argument("--episodes", type=int, nargs="+", default=None, metavar="N",
                      help="episodes per game: one number for all, or one per game in the "
                      "order of --games (default 10000)")
  parser.add_argument("--games", nargs="+", default=None, metavar="GAME",
                      help=f"games (default: all: {' '.join(MINATAR_GAMES)})")
  parser.add_argument("--seed", type=int, default=0, help="PRNG seed (default 0)")
  parser.add_argument("--reference-from", default=None, metavar="FOLDER",
                      help="instead: R_ref of each game from FOLDER, a finished one-cycle run "
                      "of the reset oracle (python -m examples.lifelong --games ... --cycles 1 "
                      f"--optimizers reset); default --out {REFERENCE_JSON}")
  parser.add_argument("--out", default=None,
                      help=f"JSON path (default {RANDOM_JSON})")
  args = parser.parse_args(argv)
  if args.out is not None and os.path.isdir(args.out):
    parser.error(f"--out {args.out} is a folder, not a file")
  if args.reference_from is not None:
    if args.episodes is not None or args.games is not None:
      parser.error("--reference-from takes its games from the run; drop --episodes and --games")
    out = args.out or REFERENCE_JSON
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
             **_about(prog, argv), "run": args.reference_from,
             "run_command": run.get("command"), "run_code": run.get("code"), "games": games}
    _write(out, saved)
    return saved

  games = args.games or list(MINATAR_GAMES)
  episodes = args.episodes or [10_000]
  out = args.out or RANDOM_JSON
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
  about = _about(prog, argv)
  saved = {
      "what": "mean episode return of the uniformly random policy over the full 6-action "
              "MinAtar set (gymnax.make(game, use_minimal_action_set=False)), episodes run "
              "to a terminal state or max_steps_in_episode",
      "command": about.pop("command"),
      "seed": args.seed,
      **about,
      "games": results,
  }
  _write(out, saved)
  return saved


if __name__ == "__main__":
  main()
