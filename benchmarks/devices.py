"""How a lifelong grid's throughput scales with the devices its run axis is split over.

    python -m benchmarks.devices [--devices 1 2 4] [--runs 16] [--updates 20] [--json PATH]

One grid of the lifelong example (CartPole-v1 with two levels of offset shifts,
the "purejaxrl" PPO preset, trac(adam), `--runs` seeds) is compiled once per
device count, its run axis placed on a mesh over the first N devices
(`examples.grid.device_mesh`), and the compiled programs are timed against each
other in interleaved rounds (medians; compile time apart). On a CPU the devices
are simulated (`--xla_force_host_platform_device_count`, set here before JAX
starts) and share the machine's cores, so the cores, not the device count,
bound the speed-up; on a GPU or TPU host they are the real accelerators.

Also checks that every split gives the same episodes (returns) for every run.
"""

from __future__ import annotations

import os
import re

if "--xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
  # Enough simulated CPU devices for the largest count asked for (default 4).
  import sys as _sys
  _counts = [int(a) for a in _sys.argv[_sys.argv.index("--devices") + 1:]
             if re.fullmatch(r"\d+", a)] if "--devices" in _sys.argv else [4]
  os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_"
                             f"device_count={max(_counts + [1])}").strip()

import argparse
import sys

import jax
import numpy as np

from benchmarks import _timing
from examples.grid import GridProgram, device_mesh
from examples.methods import METHODS
from examples.presets import PRESETS
from examples.shifts import shift_tasks
from examples.tasks import Schedule


def parse_args(argv=None) -> argparse.Namespace:
  parser = argparse.ArgumentParser(prog="python -m benchmarks.devices", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("--devices", type=_timing.count(1), nargs="+", default=[1, 2, 4],
                      help="device counts to compare (default: 1 2 4)")
  parser.add_argument("--runs", type=_timing.count(1), default=16,
                      help="runs in the grid (seeds of trac(adam); default: 16)")
  parser.add_argument("--updates", type=_timing.count(2), default=20,
                      help="PPO updates per run (default: 20)")
  parser.add_argument("--rounds", type=_timing.count(1), default=5,
                      help="measured rounds (default: 5)")
  parser.add_argument("--warmup", type=_timing.count(0), default=1,
                      help="discarded rounds (default: 1)")
  parser.add_argument("--json", metavar="PATH",
                      help="also write the results as JSON to PATH ('-' for stdout)")
  args = parser.parse_args(argv)
  if max(args.devices) > len(jax.devices()):
    parser.error(f"--devices: JAX sees {len(jax.devices())} devices")
  return args


def main(argv=None) -> dict:
  args = parse_args(argv)
  preset = PRESETS["purejaxrl"]
  tasks = shift_tasks("CartPole-v1", "offset", 2)
  schedule = Schedule.levels(2, args.updates // 2)
  programs, rows = {}, {}
  for count in args.devices:
    program = GridProgram(tasks, schedule, preset.ppo, preset.network.build(tasks.num_actions),
                          [METHODS["trac"]], [preset.lr], args.runs, progress=False,
                          mesh=device_mesh(count))
    seconds = _timing.compile_seconds(program.program, program.inputs)[1]
    programs[str(count)], rows[str(count)] = program, {"devices": count, "compile_s": seconds}
  returns = {name: p.run().metrics["trac"]["return"] for name, p in programs.items()}
  first = next(iter(returns.values()))
  # Where the splits part: float rounding differs with the per-device batch, and PPO's chaos
  # can grow a last-bit difference into different episodes.
  equal = np.all([(r == first) | (np.isnan(r) & np.isnan(first))
                  for r in returns.values()], axis=0)  # [seeds, settings, updates]
  same = bool(np.all(equal))
  runs_equal = int(np.sum(np.all(equal, axis=-1)))
  updates_equal = equal.shape[-1] if same else int(np.argmin(np.all(equal, axis=(0, 1))))
  means = np.stack([np.nanmean(r, axis=-1) for r in returns.values()])
  drift = float(np.nanmax(np.abs(means - means[0]) / np.abs(means[0])))
  timings = _timing.interleaved({name: p.call for name, p in programs.items()},
                                rounds=args.rounds, warmup=args.warmup)
  base = str(args.devices[0])
  env_steps = schedule.num_updates * preset.ppo.steps_per_update
  for name, t in timings.items():
    rows[name].update(s_per_call=t.median, s_q1=t.q1, s_q3=t.q3, s_rounds=list(t.samples),
                      runs_per_s=args.runs / t.median,
                      env_steps_per_s=args.runs * env_steps / t.median,
                      speedup=_timing.ratio(timings[base], t),
                      layout=programs[name].run().layout["trac"])
  result = {
      "benchmark": "devices",
      "environment": _timing.environment(("gymnax", "flax")),
      "settings": {"env": "CartPole-v1", "preset": "purejaxrl", "method": "trac",
                   "runs": args.runs, "updates": schedule.num_updates,
                   "env_steps_per_run": env_steps, "visible_devices": len(jax.devices()),
                   "cpu_cores": os.cpu_count(), "rounds": args.rounds, "warmup": args.warmup},
      "same_returns_on_every_split": same,
      "runs_identical_on_every_split": runs_equal,
      "updates_identical_on_every_split": updates_equal,
      "max_relative_difference_of_a_runs_mean_return": drift,
      "rows": list(rows.values()),
  }
  out = sys.stderr if args.json == "-" else sys.stdout
  print(f"{args.runs} runs x {env_steps} env steps, {jax.default_backend()}, "
        f"{os.cpu_count()} cores:", file=out)
  for row in rows.values():
    print(f"  {row['devices']} device(s) ({'+'.join(map(str, row['layout']))} runs): "
          f"{row['runs_per_s']:.2f} runs/s, {row['speedup']:.2f}x one device, "
          f"compile {row['compile_s']:.1f} s", file=out)
  print(f"  same returns on every split: {same} ({runs_equal} of {args.runs} runs identical; "
        f"all runs identical for the first {updates_equal} of {schedule.num_updates} updates; "
        f"largest relative change of a run's mean return {drift:.1%})", file=out)
  _timing.write_json(args.json, result)
  return result


if __name__ == "__main__":
  main()
