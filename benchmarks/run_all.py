"""Runs the benchmarks and rewrites the results section of benchmarks/README.md.

    python -m benchmarks.run_all [--only erfi step kernels anchor ppo minatar devices] [--table-only]

Each benchmark runs in its own process with its defaults and ``--json
benchmarks/results/<backend>/<name>.json``, the backend being JAX's default one
on this machine, so a GPU run never overwrites the CPU figures. The section
between the markers in benchmarks/README.md is then rebuilt from the files of
every backend present (``--table-only`` rebuilds it from the committed files
without running anything): a CPU and a GPU column side by side, "not measured"
where a backend has no file.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time

from benchmarks import _timing

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
README = os.path.join(HERE, "README.md")
BENCHMARKS = ("erfi", "step", "kernels", "anchor", "ppo", "minatar", "devices")
BACKENDS = ("cpu", "gpu")
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def run(name: str, backend: str) -> float:
  """Runs one benchmark with its defaults; returns its wall time in seconds."""
  path = os.path.relpath(_timing.result_path(name, backend), ROOT)
  command = [sys.executable, "-m", f"benchmarks.{name}", "--json", path]
  print(f"$ {' '.join(['python'] + command[1:])}", flush=True)
  start = time.perf_counter()
  subprocess.run(command, check=True, cwd=ROOT)
  return time.perf_counter() - start


def load(name: str, backend: str) -> dict | None:
  path = _timing.result_path(name, backend)
  if not os.path.exists(path):
    return None
  with open(path) as f:
    return json.load(f)


def _eps(x: float | None) -> str:
  if x is None:  # a NaN or an infinity, written as null
    return "non-finite"
  return f"{x:.3g}"


def _first_inf(a: dict) -> str:
  if a.get("first_inf_x") is not None:
    return f"{a['first_inf_x']:.6f}"
  if a.get("first_non_finite_x") is not None:
    return f"none (NaN from {a['first_non_finite_x']:.6f})"
  return "none"


def _mark(ok: bool) -> str:
  return "met" if ok else "**missed**"


def erfi_section(r: dict) -> tuple[list[str], list[tuple]]:
  acc, thr = r["accuracy"], r["throughput"]
  dtypes = [d for d in ("float32", "float64") if d in acc]
  lines = [
      "| erfi | " + " | ".join(
          f"{d}: max / p99.9 rel. error (eps); max where the output is finite"
          f" | {d}: NaN, inf where finite, finite where inf"
          f" | {d}: first x > 0 giving inf"
          f" | {d}: Melem/s (ms per 1e6)" for d in dtypes) + " |",
      "|---|" + "---|---|---|---|" * len(dtypes),
  ]
  for name in acc[dtypes[0]]:
    cells = []
    for d in dtypes:
      a, t = acc[d][name], thr[d][name]
      cells += [f"{_eps(a['max_rel_error_eps'])} / {_eps(a['p999_rel_error_eps'])};"
                f" {_eps(a['max_rel_error_eps_finite_outputs'])}",
                f"{a['nan']}, {a['inf_where_finite']}, {a['finite_where_overflow']}",
                _first_inf(a),
                f"{t['melem_per_s']:.1f} ({t['ms']:.2f})"]
    lines.append(f"| {name} | " + " | ".join(cells) + " |")
  lines.append("")
  lines.append(f"NaN/inf counts over {acc[dtypes[0]]['trac_optax']['scan_points']} points"
               " evenly spaced in [-1e4, 1e4]; errors where erfi is finite in the format"
               f" ({', '.join(str(acc[d]['trac_optax']['points']) + ' ' + d + ' points' for d in dtypes)});"
               " first inf on a grid of spacing 1e-6 around the point where erfi overflows ("
               + ", ".join(f"{r['overflow_threshold'][d]:.6f} in {d}" for d in dtypes) + ").")
  oracle64 = r.get("oracle", {}).get("float64", {})
  if "scipy_max_rel_error_eps" in oracle64:
    lines.append(f"The float64 oracle is mpmath: scipy's own float64 erfi is off by up to"
                 f" {_eps(oracle64['scipy_max_rel_error_eps'])} eps on the same points where"
                 f" it is finite, and inf at {oracle64.get('scipy_inf_where_finite')} of them"
                 f" where erfi is finite.")
  ours32 = acc["float32"]["trac_optax"] if "float32" in acc else None
  ours64 = acc["float64"]["trac_optax"] if "float64" in acc else None
  targets = []
  if "float32" in thr:
    speedup = r["speedup_over_reference_jax"]["float32"]
    targets.append(("erfi float32 throughput / reference JAX erfi", ">= 10x",
                    f"{speedup:.1f}x", speedup >= 10))
  if ours32:
    targets.append(("erfi float32 max rel. error where finite", "<= 8 eps",
                    f"{_eps(ours32['max_rel_error_eps'])} eps",
                    (ours32["max_rel_error_eps"] or math.inf) <= 8))
  if ours64:
    targets.append(("erfi float64 max rel. error (x64)", "<= 64 eps",
                    f"{_eps(ours64['max_rel_error_eps'])} eps",
                    (ours64["max_rel_error_eps"] or math.inf) <= 64))
  nans = sum(acc[d]["trac_optax"]["nan"] for d in dtypes)
  targets.append(("erfi NaN for finite input, abs(x) <= 1e4", "0", str(nans), nans == 0))
  return lines, targets


def _fixed(x: float | None, digits: int) -> str:
  return "n/a" if x is None else f"{x:.{digits}f}"


def step_section(r: dict) -> tuple[list[str], list[tuple]]:
  lines = [
      "| params | adam ms | trac(adam) ms | stored ms | reference ms"
      " | roofline 7 / 11 buffers ms | trac/adam | stored/adam | trac/reference"
      " | trac/roofline-11 | state/params adam, trac, stored, ref"
      " | bytes accessed/params adam, trac, stored, ref"
      " | temporaries/params trac, stored, ref | compile s adam, trac, stored, ref |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ]
  for size in r["sizes"]:
    w, q = size["rows"], size["ratios"]
    four = ("adam", "trac", "trac_stored", "reference")
    three = four[1:]
    lines.append(
        f"| {size['params']:.2e} | {w['adam']['ms']:.3f} | {w['trac']['ms']:.3f}"
        f" | {w['trac_stored']['ms']:.3f} | {w['reference']['ms']:.3f}"
        f" | {w['roofline_adam']['ms']:.3f} / {w['roofline_trac']['ms']:.3f}"
        f" | {q['trac_over_adam']:.2f} | {q['trac_stored_over_adam']:.2f}"
        f" | {q['trac_over_reference']:.2f} | {q['trac_over_roofline_trac']:.2f}"
        f" | {', '.join(_fixed(w[k]['state_over_params'], 2) for k in four)}"
        f" | {', '.join(_fixed(w[k]['bytes_accessed_over_params'], 1) for k in four)}"
        f" | {', '.join(_fixed(w[k]['temp_over_params'], 2) for k in three)}"
        f" | {', '.join(_fixed(w[k]['compile_s'], 2) for k in four)} |")
  lines.append("")
  tree = r["settings"].get("tree", "mlp")
  shape = ("a 256-w-w-w-16 MLP (kernels and biases)" if tree == "mlp"
           else "a single square matrix")
  lines.append(f"Parameters: {shape}, float32. Median of interleaved rounds (ms per jitted"
               " update + apply_updates, params and state donated); \"stored\" is"
               " `trac(adam, reference=\"stored\")`; bytes accessed and temporaries from the"
               " compiled step's `cost_analysis()` / `memory_analysis()`, in parameter-sizes.")
  big = max(r["sizes"], key=lambda s: s["params"])
  q, w = big["ratios"], big["rows"]
  at = f"at {big['params']:.0e} params"
  targets = [
      (f"step trac(adam)/adam {at}", "<= 1.7", f"{q['trac_over_adam']:.2f}",
       q["trac_over_adam"] <= 1.7),
      (f"step trac/reference {at}", "<= 0.6", f"{q['trac_over_reference']:.2f}",
       q["trac_over_reference"] <= 0.6),
      ("optimizer state bytes, trac vs reference", "<= reference",
       f"{w['trac']['state_over_params']:.3f} vs {w['reference']['state_over_params']:.3f}"
       " x params", w["trac"]["state_over_params"] <= w["reference"]["state_over_params"]),
  ]
  return lines, targets


def ppo_section(r: dict) -> tuple[list[str], list[tuple]]:
  lines = [
      "| PPO, CartPole-v1, 4 envs x 128 steps | adam k env steps/s | adam flat | trac(adam)"
      " | trac flat | rejax | trac overhead vs adam | trac flat vs adam | trac flat vs adam flat"
      " | trac/rejax | trac flat/rejax | compile s (same order) |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ]
  targets = []
  for key, label in (("one_seed", "one seed"), ("vmapped", "vmapped")):
    run = r[key]
    w, q = run["rows"], run["ratios"]
    desc = f"{run['seeds']} seed{'s' if run['seeds'] > 1 else ''} x {run['env_steps_per_seed']} steps"
    rate = lambda k: f"{w[k]['env_steps_per_s'] / 1e3:.1f}" if k in w else "not run"
    pct = lambda k: f"{100 * q[k]:+.1f}%" if k in q else "-"
    versus = lambda k: f"{q[k]:.2f}" if k in q else "-"
    compile_s = ", ".join(f"{w[k]['compile_s']:.1f}" for k in w)
    lines.append(f"| {desc} | {rate('adam')} | {rate('adam_flat')} | {rate('trac')}"
                 f" | {rate('trac_flat')} | {rate('rejax')} | {pct('trac_overhead')}"
                 f" | {pct('trac_flat_overhead')} | {pct('trac_flat_overhead_vs_adam_flat')}"
                 f" | {versus('trac_over_rejax')} | {versus('trac_flat_over_rejax')}"
                 f" | {compile_s} |")
    for name, what in (("trac", "trac(adam)"), ("trac_flat", "optax.flatten(trac(adam))")):
      if f"{name}_overhead" in q:
        targets.append((f"PPO {what} overhead vs adam, {label}", "<= 3%",
                        pct(f"{name}_overhead"), q[f"{name}_overhead"] <= 0.03))
      if f"{name}_over_rejax" in q:
        targets.append((f"PPO {what} vs rejax, {label}", ">= 1.0",
                        versus(f"{name}_over_rejax"), q[f"{name}_over_rejax"] >= 1.0))
  scaling = r["seed_scaling"]
  lines += ["", f"Seed scaling, trac(adam), one `jit(vmap(train))` call of"
            f" {scaling['env_steps_per_seed']} env steps per seed:", "",
            "| seeds | s per call | x fewest seeds | k env steps/s (all seeds) | compile s |",
            "|---|---|---|---|---|"]
  for row in scaling["rows"]:
    lines.append(f"| {row['seeds']} | {row['s_per_call']:.2f} | {row['time_over_fewest_seeds']:.2f}"
                 f" | {row['env_steps_per_s'] / 1e3:.1f} | {row['compile_s']:.1f} |")
  return lines, targets


def anchor_section(r: dict) -> tuple[list[str], list[tuple]]:
  steps = [t for t in r["cases"][0]["at_step"]]
  lines = [
      "| params | reference | after trac | " + " | ".join(
          f"‖e‖ / ‖θ₀‖ after {int(t):.0e} steps" for t in steps)
      + " | max \\|e\\| at the end | final S |",
      "|---|---|---|" + "---|" * len(steps) + "---|---|",
  ]
  for case in r["cases"]:
    cells = " | ".join(f"{case['at_step'][t]['relative']:.3g}" for t in steps)
    lines.append(f"| {case['dtype']} | {case['reference']} | {case['after']} | {cells}"
                 f" | {case['at_step'][steps[-1]]['max_abs']:.3g} | {case['final_scale']:.3g} |")
  settings = r["settings"]
  lines += ["", f"Anchor error e_t = θ_t − S_t Δ_t − θ₀ of `trac({settings['inner']})`"
            f" on least squares in {settings['params']} weights from N(0, 1), in one"
            " `lax.scan` per row; \"decay_1e-4\" is `optax.add_decayed_weights(1e-4)`"
            " chained after trac. With the implied reference e_t is the drift of the point"
            " TRAC pulls back to; with the stored one that point is exact and e_t is how far"
            " the params sit from θ_ref + S_t Δ_t."]
  return lines, []


def kernels_section(r: dict) -> tuple[list[str], list[tuple]]:
  lines = ["| network | leaves | params | optimizer | kernels | fusions | reductions | custom calls"
           " | kernels − adam's |", "|---|---|---|---|---|---|---|---|---|"]
  extra = {(d["network"], d["optimizer"]): d["kernels"] for d in r["minus_adam"]}
  for row in r["rows"]:
    more = extra.get((row["network"], row["optimizer"]))
    lines.append(f"| {row['network']} | {row['leaves']} | {row['params']:,} | {row['optimizer']}"
                 f" | {row['kernels']} | {row['fusions']} | {row['reductions']}"
                 f" | {row['custom_calls']} | {'' if more is None else f'{more:+d}'} |")
  lines += ["", "What XLA compiled for one jitted `update + apply_updates` (params and state"
            " donated), counted in the optimized HLO: kernels are the entry computation's"
            " instructions that run work (fusions, custom calls, unfused ops), reductions are"
            " counted inside fusions too. The counts grow with the number of leaves: XLA fuses"
            " within a leaf, not across leaves (see docs/cost.md); `adam_flat` and `trac_flat`"
            " are `optax.flatten` of adam and of trac(adam), one buffer for every leaf."]
  network = "published 3x128 actor-critic"
  kernels = {row["optimizer"]: row["kernels"] for row in r["rows"] if row["network"] == network}
  targets = [(f"kernels of one step, trac(adam) − adam, {network}", "measured",
              f"{extra[(network, 'trac')]:+d} ({kernels['trac']} vs {kernels['adam']})", True)]
  if "trac_flat" in kernels and "adam_flat" in kernels:
    targets.append((f"kernels of one step, optax.flatten(trac(adam)) − adam, {network}",
                    "measured", f"{extra[(network, 'trac_flat')]:+d} ({kernels['trac_flat']} vs"
                    f" {kernels['adam']}; {kernels['trac_flat'] - kernels['adam_flat']:+d} over"
                    f" adam_flat's {kernels['adam_flat']})", True))
  return lines, targets


def minatar_section(r: dict) -> tuple[list[str], list[tuple]]:
  s = r["settings"]
  lines = [
      f"| PPO, MinAtar, {s['num_envs']} envs x {s['num_steps']} steps, {s['env_steps_per_call']}"
      " env steps per seed | seeds | adam k env steps/s | trac(adam) | trac flat | rejax"
      " | adam/rejax | trac/rejax | flat/rejax | trac overhead vs adam | flat overhead vs adam |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
  ]
  targets = []
  for game, runs in r["games"].items():
    for key in ("one_seed", "vmapped"):
      run = runs[key]
      w, q = run["rows"], run["ratios"]
      rate = lambda k: f"{w[k]['env_steps_per_s'] / 1e3:.1f}" if k in w else "not run"
      versus = lambda k: f"{q[k]:.2f}" if k in q else "-"
      pct = lambda k: f"{100 * q[k]:+.1f}%" if k in q else "-"
      lines.append(f"| {game} | {run['seeds']} | {rate('adam')} | {rate('trac')}"
                   f" | {rate('trac_flat')} | {rate('rejax')} | {versus('adam_over_rejax')}"
                   f" | {versus('trac_over_rejax')} | {versus('trac_flat_over_rejax')}"
                   f" | {pct('trac_overhead')} | {pct('trac_flat_overhead')} |")
      if "adam_over_rejax" in q:
        targets.append((f"PPO on {game} (adam) vs rejax, {run['seeds']} seed(s)", ">= 1.0",
                        f"{q['adam_over_rejax']:.2f}", q["adam_over_rejax"] >= 1.0))
      for name, what in (("trac", "trac(adam)"), ("trac_flat", "optax.flatten(trac(adam))")):
        if f"{name}_overhead" in q:
          targets.append((f"PPO on {game} {what} overhead vs adam, {run['seeds']} seed(s)",
                          "<= 3%", pct(f"{name}_overhead"), q[f"{name}_overhead"] <= 0.03))
  sequence = r["settings"].get("sequence")  # recorded since --sequence; before: the default
  games = ("the lifelong sequence (4 games, 7 channels)" if sequence is None else
           "the sequence " + " > ".join(g.removesuffix("-MinAtar") for g in sequence))
  for key in ("one_seed", "vmapped"):
    run = r["lifelong"][key]
    lines.append(f"| {games} | {run['seeds']} | - |"
                 f" {run['rows']['trac']['env_steps_per_s'] / 1e3:.1f} | - | - | - | - | - | - |"
                 " - |")
  lines += ["", "Ratios are medians of per-round ratios (interleaved rounds). Our PPO bootstraps"
            " truncated episodes and logs the plasticity diagnostics every update; rejax does"
            " neither, and clips each gradient element where we clip the global norm."]
  return lines, targets


def devices_section(r: dict) -> tuple[list[str], list[tuple]]:
  s = r["settings"]
  lines = [
      f"| layout ({r['environment']['backend']}, {s['cpu_cores']} cores) | runs per chunk"
      " | runs per device | runs/s | vs one call on one device | compile s |",
      "|---|---|---|---|---|---|",
  ]
  for row in r["rows"]:
    lines.append(f"| {row['layout_name']} | {row['chunk_size']}"
                 f" | {'+'.join(map(str, row['runs_per_device']))} | {row['runs_per_s']:.2f}"
                 f" | {row['vs_one_call']:.2f}x | {row['compile_s']:.1f} |")
  same = r["same_numbers_on_every_device_count"]
  lines += ["", f"One grid of {s['runs']} runs (trac(adam), CartPole-v1, {s['updates']} updates of"
            f" {s['env_steps_per_run'] // s['updates']} env steps): in one vmapped call on one"
            f" device, and in chunks of {s['chunk_size']} runs dealt to the devices, as the"
            " lifelong grids run. On a CPU the devices are simulated and share its cores, which"
            " bound the speed-up. Every run's metrics identical, bit for bit, on every device"
            f" count: {'yes' if same else '**no**'}; the one-call layout "
            + ("gives the same numbers too." if r["one_call_identical_to_chunks"]
               else "differs (another compiled shape).")]
  return lines, [("lifelong grid: same numbers on 1 and more devices", "yes",
                  "yes" if same else "no", same)]


SECTIONS = {"erfi": erfi_section, "step": step_section, "kernels": kernels_section,
            "anchor": anchor_section,
            "ppo": ppo_section, "minatar": minatar_section, "devices": devices_section}


def environment_lines(results: dict) -> list[str]:
  lines = []
  for backend, by_name in results.items():
    for name, r in by_name.items():
      env = r["environment"]
      versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
      lines.append(f"- `{name}` ({backend}): {env['date']}, {env['machine']}, backend"
                   f" {env['backend']} ({env['device']}), Python {env['python']}; {versions}."
                   f" Command: `{env['command']}`")
  return lines


def table(results: dict) -> str:
  """The README section from ``{backend: {benchmark: result}}``."""
  body, targets = [], {}  # targets: label -> (wanted, {backend: (got, ok)})
  for name in BENCHMARKS:
    measured = [b for b in BACKENDS if name in results.get(b, {})]
    if not measured:
      body += [f"### {name}", "", "No results yet: run `make bench`.", ""]
      continue
    for backend in measured:
      lines, found = SECTIONS[name](results[backend][name])
      body += [f"### {name} ({backend})", ""] + lines + [""]
      for label, wanted, got, ok in found:
        targets.setdefault(label, (wanted, {}))[1][backend] = (got, ok)
  head = ["## Results", "",
          "Generated by `make bench` (`python -m benchmarks.run_all`) from"
          " `benchmarks/results/<backend>/*.json`; do not edit by hand.", "",
          "| figure | goal | CPU | met? | GPU | met? |",
          "|---|---|---|---|---|---|"]
  for label, (wanted, by_backend) in targets.items():
    cells = []
    for backend in BACKENDS:
      got, ok = by_backend.get(backend, ("not measured", None))
      cells += [got, "" if ok is None else _mark(ok)]
    head.append(f"| {label} | {wanted} | " + " | ".join(cells) + " |")
  missing = [b.upper() for b in BACKENDS if not results.get(b)]
  head += [""]
  if missing:
    head += [f"{', '.join(missing)}: not measured yet."
             + (" `gpu/run.sh` measures it in one command ([gpu/README.md](../gpu/README.md))."
                if "GPU" in missing else ""), ""]
  env = ["### Where and how", ""] + environment_lines(results) + [""]
  return "\n".join(head + body + env)


def rewrite_readme(text: str) -> None:
  with open(README) as f:
    readme = f.read()
  if BEGIN not in readme or END not in readme:
    raise SystemExit(f"run_all: {README} lacks the markers {BEGIN} and {END}")
  start = readme.index(BEGIN) + len(BEGIN)
  end = readme.index(END)
  with open(README, "w") as f:
    f.write(readme[:start] + "\n" + text + "\n" + readme[end:])


def parse_args(argv=None):
  parser = _timing.parser("run_all", __doc__, output=False)
  parser.add_argument("--only", choices=BENCHMARKS, nargs="+", default=list(BENCHMARKS),
                      help="benchmarks to run (default: all)")
  parser.add_argument("--table-only", action="store_true",
                      help="rebuild the README table from benchmarks/results without running")
  return parser.parse_args(argv)


def default_backend() -> str:
  """JAX's default backend here, asked in a child process: starting JAX in this one
  would hold the accelerator (and its memory) while the benchmarks run."""
  return subprocess.run(
      [sys.executable, "-c", "import jax; print(jax.default_backend())"], check=True,
      capture_output=True, text=True, cwd=ROOT).stdout.strip().splitlines()[-1]


def main(argv=None) -> None:
  args = parse_args(argv)
  if not args.table_only:
    backend = default_backend()
    os.makedirs(os.path.dirname(_timing.result_path("any", backend)), exist_ok=True)
    for name in args.only:
      seconds = run(name, backend)
      print(f"{name}: {seconds:.0f} s", flush=True)
  results = {backend: by_name for backend in BACKENDS
             if (by_name := {name: r for name in BENCHMARKS
                             if (r := load(name, backend)) is not None})}
  rewrite_readme(table(results))
  print(f"rewrote the results section in {os.path.relpath(README)}")


if __name__ == "__main__":
  main()
