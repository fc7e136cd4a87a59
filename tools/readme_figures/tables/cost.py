"""The generated table of docs/cost.md: the cost figures against their goals."""

from __future__ import annotations

from tools.readme_figures.formats import f1, f2, pct
from tools.readme_figures.results import BENCH, j, step_ratio, step_row

def cost_table() -> str:
  """The cost figures against their goals (erfi, step, ppo, devices JSON)."""
  erfi = lambda *k: j(f"{BENCH}/erfi.json", *k)
  ratio = lambda i, k: step_ratio(i, k)
  size = lambda i: f"1e{len(str(j(f'{BENCH}/step.json', 'settings', 'sizes', i))) - 1}"
  state = lambda k: f1(step_row(1, k)["state_over_params"])
  ppo = lambda which, key: j(f"{BENCH}/ppo.json", which, "ratios", key)
  dev = j(f"{BENCH}/devices.json", "rows")
  kernels = {r["optimizer"]: r["kernels"] for r in j(f"{BENCH}/kernels.json", "rows")
             if r["network"] == "published 3x128 actor-critic"}
  rows = [
      ("erfi, float32, 1e6 elements: throughput against the reference's JAX erfi",
       f"{f1(erfi('speedup_over_reference_jax', 'float32'))}x", "≥ 10x"),
      ("erfi, max relative error where finite: float32 / float64",
       f"{f2(erfi('accuracy', 'float32', 'trac_optax', 'max_rel_error_eps'))} / "
       f"{f1(erfi('accuracy', 'float64', 'trac_optax', 'max_rel_error_eps'))} ulp", "≤ 8 / ≤ 64"),
      ("optimizer state, param bytes: adam, trac(adam), reference, `reference=\"stored\"`",
       f"{state('adam')}x, {state('trac')}x, {state('reference')}x, {state('trac_stored')}x",
       "≤ reference"),
      ("step (update + apply), trac(adam) / adam",
       ", ".join(f"{f2(ratio(i, 'trac_over_adam'))} at {size(i)}" for i in range(3)) + " params",
       "≤ 1.7 at 1e7"),
      ("step, trac(adam) / reference `start_trac(adam)` at 1e7",
       f2(ratio(2, "trac_over_reference")), "≤ 0.6"),
      ("PPO on CartPole, env steps/s: trac(adam) overhead over adam, one seed / 4 vmapped",
       f"{pct(ppo('one_seed', 'trac_overhead'))} / {pct(ppo('vmapped', 'trac_overhead'))}", "≤ 3%"),
      ("kernels of one step, 3 x 128 actor-critic (16 leaves): adam, trac(adam); under "
       "`optax.flatten`: adam, trac(adam)",
       f"{kernels['adam']}, {kernels['trac']}; {kernels['adam_flat']}, {kernels['trac_flat']}",
       "as few as the algorithm needs"),
      ("PPO on CartPole, env steps/s: `optax.flatten(trac(adam))` over adam, one seed / 4 "
       "vmapped (over `optax.flatten(adam)`)",
       f"{pct(ppo('one_seed', 'trac_flat_overhead'))} / {pct(ppo('vmapped', 'trac_flat_overhead'))}"
       f" ({pct(ppo('one_seed', 'trac_flat_overhead_vs_adam_flat'))} / "
       f"{pct(ppo('vmapped', 'trac_flat_overhead_vs_adam_flat'))})", "≤ 3%"),
      ("PPO on CartPole, env steps/s: trac(adam) / rejax 0.1.3, one seed / 4 vmapped",
       f"{f2(ppo('one_seed', 'trac_over_rejax'))} / {f2(ppo('vmapped', 'trac_over_rejax'))}",
       "≥ 1.0"),
      ("PPO on CartPole, env steps/s: `optax.flatten(trac(adam))` / rejax 0.1.3, one seed / 4 "
       "vmapped", f"{f2(ppo('one_seed', 'trac_flat_over_rejax'))} / "
       f"{f2(ppo('vmapped', 'trac_flat_over_rejax'))}", "≥ 1.0"),
      ("lifelong grid in chunks of 4 runs on 1, 2 and 4 simulated devices: runs/s over one "
       "call of all 16 runs on one device; a run's numbers on every device count",
       f"{dev[1]['vs_one_call']:.2f}x, {dev[2]['vs_one_call']:.2f}x, "
       f"{dev[3]['vs_one_call']:.2f}x; "
       + ("identical" if j(f"{BENCH}/devices.json", "same_numbers_on_every_device_count")
          else "**differ**"), "identical"),
  ]
  lines = ["| question | measured (CPU) | goal |", "|---|---|---|"]
  lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
  return "\n".join(lines)
