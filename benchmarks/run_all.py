"""Runs the three benchmarks and rewrites the results table in benchmarks/README.md.

    python -m benchmarks.run_all [--only erfi step ppo] [--table-only]

Each benchmark runs in its own process with its defaults and ``--json
benchmarks/results/<name>.json``; the table between the markers in
benchmarks/README.md is then rebuilt from those files (``--table-only`` rebuilds
it from the committed files without running anything). The targets are those of
the benchmarks issue; the GPU column says "not measured" unless a result file
from a GPU backend is present.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
README = os.path.join(HERE, "README.md")
BENCHMARKS = ("erfi", "step", "ppo")
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def run(name: str) -> float:
  """Runs one benchmark with its defaults; returns its wall time in seconds."""
  command = [sys.executable, "-m", f"benchmarks.{name}", "--json",
             os.path.relpath(os.path.join(RESULTS, f"{name}.json"), os.path.dirname(HERE))]
  print(f"$ {' '.join(['python'] + command[1:])}", flush=True)
  start = time.perf_counter()
  subprocess.run(command, check=True, cwd=os.path.dirname(HERE))
  return time.perf_counter() - start


def load(name: str) -> dict | None:
  path = os.path.join(RESULTS, f"{name}.json")
  if not os.path.exists(path):
    return None
  with open(path) as f:
    return json.load(f)


def _eps(x: float) -> str:
  if x != x:
    return "nan"
  if x == float("inf"):
    return "inf"
  return f"{x:.3g}"


def _mark(ok: bool) -> str:
  return "met" if ok else "**missed**"


def erfi_section(r: dict) -> tuple[list[str], list[tuple]]:
  acc, thr = r["accuracy"], r["throughput"]
  dtypes = [d for d in ("float32", "float64") if d in acc]
  lines = [
      "| erfi | " + " | ".join(
          f"{d}: max / p99.9 rel. error (eps); max where the output is finite"
          f" | {d}: NaN, inf where finite, finite where inf"
          f" | {d}: Melem/s (ms per 1e6)" for d in dtypes) + " |",
      "|---|" + "---|---|---|" * len(dtypes),
  ]
  for name in acc[dtypes[0]]:
    cells = []
    for d in dtypes:
      a, t = acc[d][name], thr[d][name]
      cells += [f"{_eps(a['max_rel_error_eps'])} / {_eps(a['p999_rel_error_eps'])};"
                f" {_eps(a['max_rel_error_eps_finite_outputs'])}",
                f"{a['nan']}, {a['inf_where_finite']}, {a['finite_where_overflow']}",
                f"{t['melem_per_s']:.1f} ({t['ms']:.2f})"]
    lines.append(f"| {name} | " + " | ".join(cells) + " |")
  lines.append("")
  lines.append(f"NaN/inf counts over {acc[dtypes[0]]['trac_optax']['scan_points']} points"
               " evenly spaced in [-1e4, 1e4]; errors where erfi is finite in the format"
               f" ({', '.join(str(acc[d]['trac_optax']['points']) + ' ' + d + ' points' for d in dtypes)}).")
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
                    ours32["max_rel_error_eps"] <= 8))
  if ours64:
    targets.append(("erfi float64 max rel. error (x64)", "<= 64 eps",
                    f"{_eps(ours64['max_rel_error_eps'])} eps",
                    ours64["max_rel_error_eps"] <= 64))
  nans = sum(acc[d]["trac_optax"]["nan"] for d in dtypes)
  targets.append(("erfi NaN for finite input, abs(x) <= 1e4", "0", str(nans), nans == 0))
  return lines, targets


def step_section(r: dict) -> tuple[list[str], list[tuple]]:
  lines = [
      "| params | adam ms | trac(adam) ms | reference ms | roofline 7 / 11 buffers ms"
      " | trac/adam | trac/reference | trac/roofline-11 | state/params adam, trac, ref"
      " | bytes accessed/params adam, trac, ref | temporaries/params trac, ref"
      " | compile s adam, trac, ref |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ]
  for size in r["sizes"]:
    w, q = size["rows"], size["ratios"]
    trio = ("adam", "trac", "reference")
    lines.append(
        f"| {size['params']:.2e} | {w['adam']['ms']:.3f} | {w['trac']['ms']:.3f}"
        f" | {w['reference']['ms']:.3f}"
        f" | {w['roofline_adam']['ms']:.3f} / {w['roofline_trac']['ms']:.3f}"
        f" | {q['trac_over_adam']:.2f} | {q['trac_over_reference']:.2f}"
        f" | {q['trac_over_roofline_trac']:.2f}"
        f" | {', '.join(format(w[k]['state_over_params'], '.2f') for k in trio)}"
        f" | {', '.join(format(w[k]['bytes_accessed_over_params'], '.1f') for k in trio)}"
        f" | {w['trac']['temp_over_params']:.2f}, {w['reference']['temp_over_params']:.2f}"
        f" | {', '.join(format(w[k]['compile_s'], '.2f') for k in trio)} |")
  lines.append("")
  tree = r["settings"].get("tree", "mlp")
  shape = ("a 256-w-w-w-16 MLP (kernels and biases)" if tree == "mlp"
           else "a single square matrix")
  lines.append(f"Parameters: {shape}, float32. Median of interleaved rounds (ms per jitted"
               " update + apply_updates, params and state donated); bytes accessed and"
               " temporaries from the compiled step's `cost_analysis()` / `memory_analysis()`,"
               " in parameter-sizes.")
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
      "| PPO, CartPole-v1, 4 envs x 128 steps | adam k env steps/s | trac(adam) | rejax"
      " | trac overhead vs adam | trac/rejax | compile s adam, trac, rejax |",
      "|---|---|---|---|---|---|---|",
  ]
  targets = []
  for key, label in (("one_seed", "one seed"), ("vmapped", "vmapped")):
    run = r[key]
    w, q = run["rows"], run["ratios"]
    rejax = w.get("rejax")
    desc = f"{run['seeds']} seed{'s' if run['seeds'] > 1 else ''} x {run['env_steps_per_seed']} steps"
    rate = lambda k: f"{w[k]['env_steps_per_s'] / 1e3:.1f}" if k in w else "not run"
    versus = f"{q['trac_over_rejax']:.2f}" if rejax else "-"
    compile_s = ", ".join(f"{w[k]['compile_s']:.1f}" for k in w)
    lines.append(f"| {desc} | {rate('adam')} | {rate('trac')} | {rate('rejax')}"
                 f" | {100 * q['trac_overhead']:+.1f}% | {versus} | {compile_s} |")
    targets.append((f"PPO trac(adam) overhead vs adam, {label}", "<= 3%",
                    f"{100 * q['trac_overhead']:+.1f}%", q["trac_overhead"] <= 0.03))
    if rejax:
      targets.append((f"PPO trac(adam) vs rejax, {label}", ">= 1.0",
                      f"{q['trac_over_rejax']:.2f}", q["trac_over_rejax"] >= 1.0))
  scaling = r["seed_scaling"]
  lines += ["", f"Seed scaling, trac(adam), one `jit(vmap(train))` call of"
            f" {scaling['env_steps_per_seed']} env steps per seed:", "",
            "| seeds | s per call | x fewest seeds | k env steps/s (all seeds) | compile s |",
            "|---|---|---|---|---|"]
  for row in scaling["rows"]:
    lines.append(f"| {row['seeds']} | {row['s_per_call']:.2f} | {row['time_over_fewest_seeds']:.2f}"
                 f" | {row['env_steps_per_s'] / 1e3:.1f} | {row['compile_s']:.1f} |")
  return lines, targets


def environment_lines(results: dict) -> list[str]:
  lines = []
  for name, r in results.items():
    env = r["environment"]
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
    lines.append(f"- `{name}`: {env['date']}, {env['machine']}, backend {env['backend']}"
                 f" ({env['device']}), Python {env['python']}; {versions}."
                 f" Command: `{env['command']}`")
  return lines


def table(results: dict) -> str:
  sections = {"erfi": erfi_section, "step": step_section, "ppo": ppo_section}
  body, targets = [], []
  for name in BENCHMARKS:
    if name not in results:
      body += [f"### {name}", "", "No results yet: run `make bench`.", ""]
      continue
    lines, t = sections[name](results[name])
    body += [f"### {name}", ""] + lines + [""]
    targets += t
  gpu = [r for r in results.values() if r["environment"]["backend"] == "gpu"]
  head = ["## Results", "",
          "Generated by `make bench` (`python -m benchmarks.run_all`) from"
          " `benchmarks/results/*.json`; do not edit by hand.", "",
          "| target (issue 4) | wanted | CPU (this machine) | met? | GPU |",
          "|---|---|---|---|---|"]
  for label, wanted, got, ok in targets:
    head.append(f"| {label} | {wanted} | {got} | {_mark(ok)} |"
                f" {'see GPU results' if gpu else 'not measured'} |")
  head += ["", "GPU: " + ("measured, see the rows whose backend is gpu below." if gpu else
                          "not measured (no GPU was lent to this task)."), ""]
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


def parse_args(argv=None) -> argparse.Namespace:
  parser = argparse.ArgumentParser(
      prog="python -m benchmarks.run_all", description=__doc__,
      formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("--only", choices=BENCHMARKS, nargs="+", default=list(BENCHMARKS),
                      help="benchmarks to run (default: all three)")
  parser.add_argument("--table-only", action="store_true",
                      help="rebuild the README table from benchmarks/results without running")
  return parser.parse_args(argv)


def main(argv=None) -> None:
  args = parse_args(argv)
  if not args.table_only:
    os.makedirs(RESULTS, exist_ok=True)
    for name in args.only:
      seconds = run(name)
      print(f"{name}: {seconds:.0f} s", flush=True)
  results = {name: r for name in BENCHMARKS if (r := load(name)) is not None}
  rewrite_readme(table(results))
  print(f"rewrote the results table in {os.path.relpath(README)}")


if __name__ == "__main__":
  main()
