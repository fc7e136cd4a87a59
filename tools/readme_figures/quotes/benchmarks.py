"""The figures quoted in benchmarks/README.md's prose: PPO speed, anchor drift, erfi."""

from __future__ import annotations

from tools.readme_figures.formats import f1, f2, g3, pct
from tools.readme_figures.quote import Quote, q
from tools.readme_figures.results import BENCH, anchor_case, j


def quotes() -> list[Quote]:
  """The quotes of benchmarks/README.md."""
  B = "benchmarks/README.md"
  ppo = lambda which, key: j(f"{BENCH}/ppo.json", which, "ratios", key)
  return [
      q(B, "One seed: {} in the generated run; vmapped over 4 seeds: {} (target <= 3% for both,",
        lambda: pct(ppo("one_seed", "trac_overhead")), lambda: pct(ppo("vmapped", "trac_overhead"))),
      q(B, "One seed: {} over adam on the tree ({} over `optax.flatten(adam)`); vmapped over 4: {}"
        " ({})", lambda: pct(ppo("one_seed", "trac_flat_overhead")),
        lambda: pct(ppo("one_seed", "trac_flat_overhead_vs_adam_flat")),
        lambda: pct(ppo("vmapped", "trac_flat_overhead")),
        lambda: pct(ppo("vmapped", "trac_flat_overhead_vs_adam_flat"))),
      q(B, "(`trac_flat_over_rejax`: {} and {})",
        lambda: f2(ppo("one_seed", "trac_flat_over_rejax")),
        lambda: f2(ppo("vmapped", "trac_flat_over_rejax"))),
      q(B, "(`adam_over_rejax` in the JSON: {} at one seed, {} vmapped)",
        lambda: f2(ppo("one_seed", "adam_over_rejax")), lambda: f2(ppo("vmapped", "adam_over_rejax"))),
      q(B, "trac(adam)/rejax ({} and {}) misses",
        lambda: f2(ppo("one_seed", "trac_over_rejax")), lambda: f2(ppo("vmapped", "trac_over_rejax"))),
      q(B, "float32 params and `trac` last in the chain, only the rounding of `apply_updates` does: "
        "{} of ‖θ₀‖ after 1e4 steps",
        lambda: g3(anchor_case("float32", "implied", "none")["at_step"]["10000"]["relative"])),
      q(B, "({} of ‖θ₀‖ after 1e4 steps)",
        lambda: g3(anchor_case("float32", "implied", "decay_1e-4")["at_step"]["10000"]["relative"])),
      q(B, "bf16 params lose {} of ‖θ₀‖ within 1e3 steps",
        lambda: g3(anchor_case("bfloat16", "implied", "none")["at_step"]["1000"]["relative"])),
      q(B, "(one step's decay, {} of ‖θ₀‖; a bf16 rounding, {} per weight at most at the end)",
        lambda: g3(anchor_case("float32", "stored", "decay_1e-4")["at_step"]["10000"]["relative"]),
        lambda: g3(anchor_case("bfloat16", "stored", "none")["at_step"]["10000"]["max_abs"])),
      q(B, "Float32, 1e6 elements: {}x the reference's JAX erfi",
        lambda: f1(j(f"{BENCH}/erfi.json", "speedup_over_reference_jax", "float32"))),
      q(B, "the `dawsn` erfi does less and is {}x faster",
        lambda: f1(j(f"{BENCH}/erfi.json", "throughput", "float32", "dawsn", "melem_per_s")
                   / j(f"{BENCH}/erfi.json", "throughput", "float32", "trac_optax", "melem_per_s"))),
      q(B, "but is {} eps off in float32",
        lambda: f"{j(f'{BENCH}/erfi.json', 'accuracy', 'float32', 'dawsn', 'max_rel_error_eps_finite_outputs'):.0f}"),
  ]

