"""The figures quoted in README.md: the headline results and the cost."""

from __future__ import annotations

from tools.readme_figures.formats import f1, f2, pct
from tools.readme_figures.quote import Quote, q
from tools.readme_figures.results import BENCH, EX, first, j, md_cell, step_ratio, step_row


def quotes() -> list[Quote]:
  """The quotes of README.md."""
  R = "README.md"
  return [
      # headline results
      q(R, "P(TRAC > Adam) = {} on both",
        lambda: first(md_cell(f"{EX}/published/comparison.md", ("CartPole-v1", "0.001", "Adam"),
                              "P(TRAC > other)"))
        if first(md_cell(f"{EX}/published/comparison.md", ("CartPole-v1", "0.001", "Adam"),
                         "P(TRAC > other)"))
        == first(md_cell(f"{EX}/published/comparison.md", ("Acrobot-v1", "0.001", "Adam"),
                         "P(TRAC > other)")) else "MISMATCH"),
      q(R, "P(TRAC > L2) = {} on CartPole and {} on Acrobot",
        lambda: first(md_cell(f"{EX}/published/comparison.md",
                              ("CartPole-v1", "0.001", "Adam + L2 to init (strength 0.001)"),
                              "P(TRAC > other)")),
        lambda: first(md_cell(f"{EX}/published/comparison.md",
                              ("Acrobot-v1", "0.001", "Adam + L2 to init (strength 0.01)"),
                              "P(TRAC > other)"))),
      q(R, "whole-run accuracy {} against Adam's {}",
        *(lambda m=m: first(md_cell(f"{EX}/supervised_random_labels/tables.md", (m,),
                                    "best whole-run mean [95%]")) for m in ("TRAC(Adam)", "Adam"))),
      q(R, "({} untuned)", lambda: first(md_cell(f"{EX}/supervised_random_labels/tables.md",
                                                 ("TRAC(Adam) (untuned)",),
                                                 "best whole-run mean [95%]"))),
      q(R, "L2 toward the initial weights, tuned, reaches {}",
        lambda: first(md_cell(f"{EX}/supervised_random_labels/tables.md", ("Adam + L2 to init",),
                              "best whole-run mean [95%]"))),
      q(R, "a reset at every task {}",
        lambda: first(md_cell(f"{EX}/supervised_random_labels/tables.md",
                              ("Adam, reset at switch (oracle)",), "best whole-run mean [95%]"))),
      q(R, "20 epochs per task tells the same: TRAC {}, Adam {}, tuned L2 {}",
        *(lambda m=m: first(md_cell(f"{EX}/supervised_permuted_20/tables.md", (m,),
                                    "best whole-run mean [95%]"))
          for m in ("TRAC(Adam)", "Adam", "Adam + L2 to init"))),
      # cost
      q(R, "optimizer state {}x the param bytes (adam alone: {}x)",
        lambda: f1(step_row(1, "trac")["state_over_params"]),
        lambda: f1(step_row(1, "adam")["state_over_params"])),
      q(R, "a step {}x adam's at 1e6 params and {}x at 1e7",
        lambda: f2(step_ratio(1, "trac_over_adam")), lambda: f2(step_ratio(2, "trac_over_adam"))),
      q(R, "PPO on CartPole {} slower with one seed, {} vmapped over 4",
        lambda: pct(j(f"{BENCH}/ppo.json", "one_seed", "ratios", "trac_overhead")),
        lambda: pct(j(f"{BENCH}/ppo.json", "vmapped", "ratios", "trac_overhead"))),
      q(R, "(for a 3 x 128 actor-critic, fewer than adam): {} with one seed, {} vmapped",
        lambda: pct(j(f"{BENCH}/ppo.json", "one_seed", "ratios", "trac_flat_overhead")),
        lambda: pct(j(f"{BENCH}/ppo.json", "vmapped", "ratios", "trac_flat_overhead"))),
  ]
