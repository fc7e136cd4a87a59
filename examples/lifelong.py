"""Lifelong PPO on gymnax through distribution shifts: Adam vs TRAC(Adam).

    python -m examples.lifelong                    # the demo that `make demo` runs
    python -m examples.lifelong --env Acrobot-v1 --levels 10 --seeds 8
    python -m examples.lifelong --lr 1e-4 1e-3 1e-2 1e-1 --levels 5 --seeds 4
    python -m examples.lifelong --help

A run trains every (optimizer, seed, learning rate) of the grid in one jitted
call: seeds and learning rates are vmapped, and the optimizers (whose states
differ) are traced side by side into the same program. Seed i sees the same
shifts and initial network for every optimizer and learning rate, so the
comparisons are paired.

The run folder gets curves.png (return vs env steps, level boundaries marked,
95% interval over seeds; TRAC's scale S below), sweep.png when several
learning rates were given, levels.csv and results.json, and the summary
table is printed.
"""

import os

# jaxlib 0.10's CPU runtime can deadlock on this 2-core class of machine with its
# concurrency-optimized scheduler; must be set before jax is imported.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_enable_concurrency_optimized_scheduler=false")

import argparse
import dataclasses
import json
import shlex
import subprocess
import sys
import time
from typing import Optional, Sequence

import gymnax
import jax
import jax.numpy as jnp
import numpy as np
import optax

import trac_optax
from examples import report
from examples.ppo import PRESETS, PPOConfig, make_train
from examples.shifts import SHIFT_KINDS

OPTIMIZERS = {
    "adam": optax.adam,
    "trac": lambda lr: trac_optax.trac(optax.adam(lr)),
}
LABELS = {"adam": "Adam", "trac": "TRAC(Adam)"}

# ---------------------------------------------------------------------------
# Command line


class _Parser(argparse.ArgumentParser):
  """Reports a bad argument as one line on stderr, with exit status 2."""

  def error(self, message):
    self.exit(2, f"{self.prog}: error: {message}\n")


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
  parser = _Parser(
      prog="python -m examples.lifelong",
      description="Lifelong PPO through distribution shifts, Adam vs TRAC(Adam). "
      "With no arguments: the demo (CartPole, 5 levels, 4 seeds, about 2 minutes on 2 cores).",
      formatter_class=argparse.ArgumentDefaultsHelpFormatter)
  parser.add_argument("--env", default="CartPole-v1",
                      help="gymnax environment with discrete actions, e.g. CartPole-v1, Acrobot-v1")
  parser.add_argument("--levels", type=int, default=5,
                      help="number of levels L; level 0 is the plain environment")
  parser.add_argument("--steps-per-level", type=int, default=20_480,
                      help="environment steps per level and seed (rounded to whole updates "
                      "of num_envs x num_steps)")
  parser.add_argument("--seeds", type=int, default=4, help="seeds per optimizer and learning rate")
  parser.add_argument("--lr", type=float, nargs="+", default=None,
                      help="learning rate(s); several give a sweep (default: the preset's)")
  parser.add_argument("--optimizers", nargs="+", default=list(OPTIMIZERS),
                      help=f"any of {', '.join(OPTIMIZERS)}")
  parser.add_argument("--shift", default="offset", help=f"shift kind: {', '.join(SHIFT_KINDS)}")
  parser.add_argument("--shift-scale", type=float, default=2.0,
                      help="std of the per-level observation offset (shift 'offset')")
  parser.add_argument("--preset", default="paper",
                      help=f"PPO hyperparameters: {', '.join(PRESETS)}")
  parser.add_argument("--seed", type=int, default=0, help="base random seed")
  parser.add_argument("--progress-every", type=int, default=20,
                      help="print progress every this many updates (0: off)")
  parser.add_argument("--out", default=None,
                      help="output folder (default: runs/lifelong-<env>-<time>)")
  args = parser.parse_args(argv)

  if args.env not in gymnax.registered_envs:
    parser.error(f"unknown env {args.env!r} (gymnax has e.g. CartPole-v1, Acrobot-v1)")
  if args.preset not in PRESETS:
    parser.error(f"unknown preset {args.preset!r}; choose from {', '.join(PRESETS)}")
  if args.shift not in SHIFT_KINDS:
    parser.error(f"unknown shift {args.shift!r}; choose from {', '.join(SHIFT_KINDS)}")
  unknown = [name for name in args.optimizers if name not in OPTIMIZERS]
  if unknown:
    parser.error(f"unknown optimizer {unknown[0]!r}; choose from {', '.join(OPTIMIZERS)}")
  if args.levels < 1:
    parser.error(f"--levels must be >= 1, got {args.levels}")
  if args.seeds < 1:
    parser.error(f"--seeds must be >= 1, got {args.seeds}")
  if args.lr is not None and not all(np.isfinite(lr) and lr > 0 for lr in args.lr):
    parser.error(f"--lr must be > 0, got {' '.join(map(str, args.lr))}")
  if not (np.isfinite(args.shift_scale) and args.shift_scale >= 0):
    parser.error(f"--shift-scale must be >= 0, got {args.shift_scale}")
  if args.progress_every < 0:
    parser.error(f"--progress-every must be >= 0, got {args.progress_every}")
  steps_per_update = PRESETS[args.preset].steps_per_update
  if args.steps_per_level < steps_per_update:
    parser.error(f"--steps-per-level must be >= one update ({steps_per_update} steps), "
                 f"got {args.steps_per_level}")
  try:  # e.g. an environment with continuous actions
    make_train(config_from_args(args), optax.adam)
  except ValueError as error:
    parser.error(str(error))
  return args


def config_from_args(args: argparse.Namespace) -> PPOConfig:
  preset = PRESETS[args.preset]
  return dataclasses.replace(
      preset,
      env_name=args.env,
      num_levels=args.levels,
      updates_per_level=max(1, round(args.steps_per_level / preset.steps_per_update)),
      shift=args.shift,
      shift_scale=args.shift_scale,
      progress_every=args.progress_every,
  )


# ---------------------------------------------------------------------------
# Training


class Progress:
  """Host-side progress line for one optimizer, fed by `jax.debug.callback`."""

  def __init__(self, name: str, config: PPOConfig):
    self.name, self.config, self.start = name, config, None

  def __call__(self, update_index, level):
    update_index, level = int(update_index), int(level)
    now = time.perf_counter()
    if self.start is None or update_index == 0:
      self.start = now
    done = update_index / self.config.num_updates
    eta = f", ~{(now - self.start) * (1 - done) / done:.0f}s left" if done > 0 else ""
    print(f"  {LABELS.get(self.name, self.name):>10}: update {update_index:>5}/"
          f"{self.config.num_updates}, level {level}/{self.config.num_levels - 1}, "
          f"{now - self.start:.0f}s{eta}", file=sys.stderr, flush=True)


def run_grid(config: PPOConfig, optimizers: Sequence[str], lrs: Sequence[float],
             num_seeds: int, seed: int = 0, progress: bool = True) -> dict[str, dict]:
  """Trains optimizers x seeds x learning rates in one jitted call.

  Returns:
    {optimizer name: metrics}, each metric a numpy array [seeds, lrs, updates].
  """
  trains = {name: make_train(config, OPTIMIZERS[name],
                             Progress(name, config) if progress else None)
            for name in optimizers}

  def grid(rngs, lrs):
    return {name: jax.vmap(jax.vmap(train, in_axes=(None, 0)), in_axes=(0, None))(rngs, lrs)
            ["metrics"] for name, train in trains.items()}

  rngs = jax.random.split(jax.random.key(seed), num_seeds)
  out = jax.jit(grid)(rngs, jnp.asarray(lrs, jnp.float32))
  return jax.tree.map(np.asarray, out)


# ---------------------------------------------------------------------------
# Entry point


def main(argv: Optional[Sequence[str]] = None) -> dict:
  args = parse_args(argv)
  config = config_from_args(args)
  lrs = args.lr if args.lr is not None else [config.lr]
  out = args.out or os.path.join(
      "runs", f"lifelong-{config.env_name}-{time.strftime('%Y%m%d-%H%M%S')}")
  os.makedirs(out, exist_ok=True)
  command = "python -m examples.lifelong" + "".join(
      " " + shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))

  runs = len(args.optimizers) * args.seeds * len(lrs)
  print(f"{config.env_name}: {config.num_levels} levels x {config.updates_per_level} updates "
        f"({config.updates_per_level * config.steps_per_update} env steps) per level, "
        f"shift {report.shift_label(config)}, preset {args.preset!r}; "
        f"{runs} runs ({', '.join(args.optimizers)} x {args.seeds} seeds x lr "
        f"{', '.join(f'{lr:g}' for lr in lrs)}) in one jitted call", file=sys.stderr)
  start = time.perf_counter()
  results = run_grid(config, args.optimizers, lrs, args.seeds, args.seed,
                     progress=args.progress_every > 0)
  wall = time.perf_counter() - start

  rows = report.summarize(results, config, lrs)
  table = report.format_table(rows, config, LABELS)
  report.write_csv(os.path.join(out, "levels.csv"), rows)
  with open(os.path.join(out, "results.json"), "w") as f:
    json.dump({
        "command": command,
        "config": dataclasses.asdict(config),
        "preset": args.preset,
        "optimizers": args.optimizers,
        "lrs": [float(lr) for lr in lrs],
        "seeds": args.seeds,
        "seed": args.seed,
        "env_steps_per_run": config.total_env_steps,
        "wall_time_s": round(wall, 1),
        "code": _code_version(),
        "levels": rows,
        "final_scale": {name: np.asarray(m["scale"][..., -1]).tolist()
                        for name, m in results.items()},
    }, f, indent=1)
  np.savez_compressed(os.path.join(out, "curves.npz"), lrs=np.asarray(lrs), **{
      f"{name}/{key}": value for name, m in results.items() for key, value in m.items()})
  report.plot_curves(os.path.join(out, "curves.png"), results, config, lrs, LABELS)
  if len(lrs) > 1:
    report.plot_sweep(os.path.join(out, "sweep.png"), rows, config, LABELS)

  print(f"\nMean return per level [95% interval over {args.seeds} seeds]; "
        f"{wall:.0f}s incl. compilation; {command}")
  print(table)
  print(f"\nWrote {out}/: curves.png{', sweep.png' if len(lrs) > 1 else ''}, levels.csv, "
        "results.json, curves.npz")
  return {"out": out, "rows": rows, "results": results}


def _code_version() -> dict[str, str]:
  """The git commit of this checkout (+dirty if trac_optax/ or examples/ differ from it) and
  the versions of jax and optax: TRAC and PPO are chaotic enough that any change in float
  rounding changes individual runs (not the statistics)."""
  root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  try:
    git = lambda *a: subprocess.run(["git", *a], cwd=root, capture_output=True, text=True,
                                    timeout=10)
    commit = git("rev-parse", "--short", "HEAD").stdout.strip() or "unknown"
    if git("diff", "--quiet", "HEAD", "--", "trac_optax", "examples").returncode:
      commit += "+dirty"
  except (OSError, subprocess.SubprocessError):
    commit = "unknown"
  return {"commit": commit, "jax": jax.__version__, "optax": optax.__version__}


if __name__ == "__main__":
  main()
