"""A lifelong experiment as one frozen value: what runs, on what, and where it is written.

`build(args)` turns the flags `examples.lifelong` validated into an
`Experiment` (the task set, the schedule, the PPO and network settings, the
methods with their grids, the learning rates, seeds and devices); `run` trains
its grid and writes its run folder (`examples.run_folder`), saving after every
segment so that an interrupted experiment resumes to the same numbers.
"""

import dataclasses
import os
import sys
import time
from typing import Optional

import jax

from examples import run_folder, run_status, tables, yardstick
from examples.summary import add_tuning_cost, summarize
from examples.grid import Grid, run_grid, select_devices
from examples.methods import Method
from examples.networks import NetworkSpec
from examples.ppo import PPOConfig, steps_to_updates
from examples.presets import PRESETS
from examples.tasks import Schedule, TaskSet

PROG = "python -m examples.lifelong"


@dataclasses.dataclass(frozen=True)
class Experiment:
  """Everything a lifelong run needs, built once from the command line.

  Attributes:
    mode: "shifts" (observation shifts of one env) or "games" (MinAtar switches).
    tasks, schedule: the task set and the task in force at each update.
    preset: the preset's name; config, network: its PPO and network settings.
    methods: the methods, each with its grid; lrs: the learning rates.
    seeds, seed: seeds per setting and the base seed.
    score: how a segment's return averages its episodes ("updates", "episodes").
    devices: the devices the runs are dealt to.
    chunk_size: runs per compiled call; segment_updates: updates between saves.
    out: the run folder; resume: continue the run saved there; overwrite: move a run
      already in `out` aside (to `<out>.replaced-<time>`) before this one starts.
    argv, command: the flags as given and the command line that ran.
    describe: what the run folder's results.json says of the setting (env,
      shift, games), beside the fields above.
  """

  mode: str
  tasks: TaskSet
  schedule: Schedule
  preset: str
  config: PPOConfig
  network: NetworkSpec
  methods: tuple[Method, ...]
  lrs: tuple[float, ...]
  seeds: int
  seed: int
  score: str
  devices: tuple
  chunk_size: int
  segment_updates: int
  out: str
  resume: bool
  overwrite: bool
  quiet: bool
  argv: tuple[str, ...]
  command: str
  describe: tuple[tuple[str, object], ...]

  @property
  def runs(self) -> int:
    return sum(len(m.configs(self.lrs)) for m in self.methods) * self.seeds


def build(args) -> Experiment:
  """The experiment the validated flags describe.

  Raises:
    ValueError: an unknown env or game, continuous actions, too many devices.
  """
  from examples.games import game_tasks  # gymnax starts JAX's backend: after --distributed
  from examples.permuted_games import permuted_game_tasks
  from examples.shifts import shift_tasks

  preset = PRESETS[args.preset]
  if args.mode == "games":
    tasks = (permuted_game_tasks(args.games, args.cycles) if args.permute_pixels
             else game_tasks(args.games))
    updates = steps_to_updates(args.steps_per_game, preset.ppo)
    schedule = Schedule.cycles(tasks.num_tasks, updates, args.cycles)
    describe = (("env", None), ("shift", "pixels permuted per visit" if args.permute_pixels
                                 else None), ("games", list(args.games)))
  else:
    tasks = shift_tasks(args.env, args.shift, args.levels, args.shift_scale, preset.time_limit)
    schedule = Schedule.levels(args.levels, steps_to_updates(args.steps_per_level, preset.ppo))
    describe = (("env", args.env), ("shift", {"kind": args.shift, "scale": args.shift_scale}))
  slug = "games" if args.mode == "games" else args.env
  out = args.out or os.path.join("runs", f"lifelong-{slug}-{time.strftime('%Y%m%d-%H%M%S')}")
  return Experiment(
      mode=args.mode, tasks=tasks, schedule=schedule, preset=args.preset, config=preset.ppo,
      network=preset.network, methods=tuple(args.methods),
      lrs=tuple(args.lr if args.lr is not None else [preset.lr]), seeds=args.seeds,
      seed=args.seed, score=args.score, devices=tuple(select_devices(args.devices)),
      chunk_size=args.chunk_size,
      segment_updates=args.save_every or schedule.updates_per_task, out=out,
      resume=args.resume is not None,
      overwrite=bool(args.overwrite) and args.resume is None, quiet=args.quiet, argv=tuple(args.argv),
      command=args.command, describe=describe)


def run(exp: Experiment) -> dict:
  """Trains the experiment's grid and writes its run folder (process 0).

  The folder says at every moment what became of the run: running (with its
  progress), interrupted or failed (with the error; the checkpoints stay and
  `--resume FOLDER` continues), or done (with the results).

  Returns:
    {"out": the folder, "grid": the `Grid`, "summary": its summary}.
  """
  code = run_status.code_version()  # the code that trains, before anyone edits the checkout
  resume = exp.resume and run_status.has_checkpoint(exp.out)
  steps = exp.schedule.updates_per_task * exp.config.steps_per_update
  print(f"{exp.tasks.name}: {len(exp.schedule.order)} segments x "
        f"{exp.schedule.updates_per_task} updates ({steps} env steps) each, preset "
        f"{exp.preset!r} ({exp.network.describe()}); {exp.runs} runs "
        f"({', '.join(m.name for m in exp.methods)} x {exp.seeds} seeds x lr "
        f"{', '.join(f'{lr:g}' for lr in exp.lrs)}) in chunks of {exp.chunk_size} on "
        f"{len(exp.devices)} device{'s' if len(exp.devices) > 1 else ''} "
        f"({jax.default_backend()}){'; resuming' if resume else ''}", file=sys.stderr)
  if exp.overwrite and not exp.resume and jax.process_index() == 0:
    run_status.set_aside(exp.out)
  start = time.perf_counter()
  # The summary runs inside `recording` too: a failure there leaves the run marked failed,
  # with its checkpoints, so that --resume writes the results without training again.
  with run_status.recording(exp.out, PROG, list(exp.argv), exp.command, code, exp.tasks.name,
                            exp.quiet) as on_segment:
    grid = run_grid(exp.tasks, exp.schedule, exp.config, exp.network.build(exp.tasks.num_actions),
                    exp.methods, exp.lrs, exp.seeds, exp.seed, chunk_size=exp.chunk_size,
                    segment_steps=exp.segment_updates, devices=exp.devices,
                    checkpoints=os.path.join(exp.out, run_status.CHECKPOINTS), resume=resume,
                    on_segment=on_segment)
    wall = time.perf_counter() - start
    result = add_tuning_cost(summarize(
        grid, exp.tasks.task_names, exp.tasks.name, exp.schedule, exp.score,
        yardstick.for_tasks(exp.tasks.task_names)))
    if jax.process_index() == 0:
      run_folder.save(exp.out, grid, result, exp.schedule, exp.config.steps_per_update,
                      about(exp, grid, wall, code))
      run_status.finish(exp.out, "done")
  if jax.process_index() == 0:
    print(tables.tables(result, f"{exp.seeds} seeds; {wall:.0f}s incl. compilation; "
                        f"{exp.command}"))
    print(f"\nWrote {exp.out}/: {', '.join(sorted(os.listdir(exp.out)))}")
  return {"out": exp.out, "grid": grid, "summary": result}


def about(exp: Experiment, grid: Grid, wall: Optional[float], code: dict) -> dict:
  """What results.json says of the experiment, beside its summary and settings."""
  return {
      "command": exp.command,
      "mode": exp.mode,
      "tasks": exp.tasks.name,
      **dict(exp.describe),
      "task_names": list(exp.tasks.task_names),
      "preset": exp.preset,
      "ppo": dataclasses.asdict(exp.config),
      "network": dataclasses.asdict(exp.network),
      "schedule": {"order": list(exp.schedule.order),
                   "updates_per_task": exp.schedule.updates_per_task},
      "env_steps_per_segment": exp.schedule.updates_per_task * exp.config.steps_per_update,
      "env_steps_per_run": exp.schedule.num_updates * exp.config.steps_per_update,
      "methods": [m.name for m in exp.methods],
      "lrs": [float(lr) for lr in exp.lrs],
      "seeds": exp.seeds,
      "seed": exp.seed,
      "runs": exp.runs,
      "devices": len(exp.devices),
      "chunk_size": exp.chunk_size,
      "layout": grid.layout,
      "backend": jax.default_backend(),
      "wall_time_s": None if wall is None else round(wall, 1),
      "code": code,
  }
