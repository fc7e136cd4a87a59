"""What a lifelong grid costs in fixed-size chunks, and how it scales with the devices.

    python -m benchmarks.devices [--devices 1 2 4] [--runs 16] [--chunk-size 4] [--json [PATH]]

A lifelong grid (`examples.grid`, `examples.runner`) runs in chunks of a fixed
number of runs, dealt to the devices in turn, so that every run goes through the
same compiled computation whatever the device count, and a run's numbers do not
change when devices are added. This measures what that costs and what it buys, on
one grid of the lifelong example (CartPole-v1 with two levels of offset shifts,
the "purejaxrl" PPO preset, trac(adam), `--runs` seeds):

* ``one call``: every run in one vmapped call on one device (a chunk as large as
  the grid), the fastest layout on one device, and the yardstick;
* ``N devices``: chunks of ``--chunk-size`` runs dealt to the first N devices.

Each layout's grid is timed against the others in interleaved rounds (medians,
the first call apart, as compile time), and the per-run metrics of the chunked
layouts are compared bit for bit. On a CPU the devices are simulated
(`--xla_force_host_platform_device_count`, set here before JAX starts) and share
the machine's cores, so the cores, not the device count, bound the speed-up; on
a GPU or TPU host they are the real accelerators.
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

import time

import jax
import numpy as np

from benchmarks import _timing
from examples import runner
from examples.grid import method_runs, seed_key_array
from examples.methods import METHODS
from examples.ppo import make_train
from examples.presets import PRESETS
from examples.shifts import shift_tasks
from examples.tasks import Schedule


def parse_args(argv=None):
  parser = _timing.parser("devices", __doc__, rounds=5, warmup=0)
  parser.add_argument("--devices", type=_timing.count(1), nargs="+", default=[1, 2, 4],
                      help="device counts to compare (default: 1 2 4)")
  parser.add_argument("--runs", type=_timing.count(1), default=16,
                      help="runs in the grid (seeds of trac(adam); default: 16)")
  parser.add_argument("--chunk-size", type=_timing.count(1), default=4,
                      help="runs per chunk of the chunked layouts (default: 4)")
  parser.add_argument("--updates", type=_timing.count(2), default=20,
                      help="PPO updates per run (default: 20)")
  args = parser.parse_args(argv)
  if max(args.devices) > len(jax.devices()):
    parser.error(f"--devices: JAX sees {len(jax.devices())} devices")
  return args


def print_table(result: dict, out):
  s = result["settings"]
  print(f"{s['runs']} runs x {s['env_steps_per_run']} env steps, "
        f"{result['environment']['backend']}, {s['cpu_cores']} cores:", file=out)
  for row in result["rows"]:
    print(f"  {row['layout_name']:>12} (chunks of {row['chunk_size']}, "
          f"{'+'.join(map(str, row['runs_per_device']))} runs per device): "
          f"{row['runs_per_s']:.2f} runs/s, {row['vs_one_call']:.2f}x one call, "
          f"compile {row['compile_s']:.1f} s", file=out)
  print(f"  chunked layouts identical on every device count: "
        f"{result['same_numbers_on_every_device_count']}; one call identical to the chunks: "
        f"{result['one_call_identical_to_chunks']}", file=out)


def main(argv=None) -> dict:
  args = parse_args(argv)
  preset = PRESETS["purejaxrl"]
  tasks = shift_tasks("CartPole-v1", "offset", 2)
  schedule = Schedule.levels(2, args.updates // 2)
  method = METHODS["trac"]
  program = make_train(preset.ppo, tasks, preset.network.build(tasks.num_actions), method.make,
                       schedule).program
  _, runs = method_runs(method, [preset.lr], seed_key_array(0, args.runs))
  layouts = {"one call": (args.runs, 1)}
  layouts.update({f"{n} device{'s' if n > 1 else ''}": (args.chunk_size, n)
                  for n in args.devices})

  def grid(chunk_size, devices):
    return runner.run_programs({"trac": program}, {"trac": runs}, chunk_size=chunk_size,
                               segment_steps=schedule.num_updates,
                               devices=jax.devices()[:devices])

  rows, outputs = {}, {}
  for name, (chunk_size, devices) in layouts.items():
    start = time.perf_counter()
    metrics, layout = grid(chunk_size, devices)  # compiles, for each device it uses
    rows[name] = {"layout_name": name, "devices": devices, "chunk_size": layout.chunk_size["trac"],
                  "runs_per_device": layout.runs_per_device(),
                  "first_call_s": time.perf_counter() - start}
    outputs[name] = metrics["trac"]
  timings = _timing.interleaved(
      {name: (lambda c=c, d=d: grid(c, d)) for name, (c, d) in layouts.items()},
      rounds=args.rounds, warmup=args.warmup)
  env_steps = schedule.num_updates * preset.ppo.steps_per_update
  for name, t in timings.items():
    rows[name].update(s_per_call=t.median, s_q1=t.q1, s_q3=t.q3, s_rounds=list(t.samples),
                      runs_per_s=args.runs / t.median,
                      env_steps_per_s=args.runs * env_steps / t.median,
                      vs_one_call=_timing.ratio(timings["one call"], t),
                      compile_s=max(0.0, rows[name]["first_call_s"] - t.median))

  def identical(a: dict, b: dict) -> bool:
    return all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)

  chunked = [outputs[name] for name in layouts if name != "one call"]
  return _timing.finish("devices", args, {
      "env": "CartPole-v1", "preset": "purejaxrl", "method": "trac", "runs": args.runs,
      "updates": schedule.num_updates, "env_steps_per_run": env_steps,
      "chunk_size": args.chunk_size, "visible_devices": len(jax.devices()),
      "cpu_cores": os.cpu_count()}, {
      "same_numbers_on_every_device_count": all(identical(chunked[0], o) for o in chunked),
      "one_call_identical_to_chunks": identical(outputs["one call"], chunked[0]),
      "rows": list(rows.values())}, print_table, ("gymnax", "flax"))


if __name__ == "__main__":
  main()
