"""The figures quoted in examples/README.md on the short-budget CartPole and Acrobot grids."""

from __future__ import annotations

from tools.readme_figures.formats import f1
from tools.readme_figures.quote import Quote, q
from tools.readme_figures.results import EX, first, j, md_cell


def quotes() -> list[Quote]:
  """The quotes of examples/README.md's short-budget sections."""
  E = "examples/README.md"
  acro = f"{EX}/acrobot/tables.md"
  trac_level0 = lambda: [first(md_cell(acro, ("TRAC(Adam)", f"lr {lr}"), "level 0"))
                         for lr in ("0.0001", "0.001", "0.003", "0.01")]
  best = lambda: j(f"{EX}/acrobot/results.json", "summary", "methods", "trac", "best")
  acro_scales = lambda: [r["scale"] for r in j(f"{EX}/acrobot/results.json", "summary",
                                               "diagnostics_at_segment_end")
                         if r["method"] == "trac" and r["setting"] == best()]
  short = lambda env, method, level: first(md_cell(f"{EX}/{env}/tables.md",
                                                    ("TRAC(Adam)" if method == "trac" else "Adam",
                                                     "lr 0.01"), level))
  trac_levels = lambda env, level: [float(first(md_cell(f"{EX}/{env}/tables.md",
                                                        ("TRAC(Adam)", f"lr {lr}"), level)))
                                    for lr in ("0.0001", "0.001", "0.003", "0.01")]

  def gaps_to_trac(env: str) -> str:
    """The least and the largest lead over TRAC's best of the tuned methods (not the oracle)."""
    methods = j(f"{EX}/{env}/results.json", "summary", "methods")
    best = {m: v["whole_run"][v["best"]] for m, v in methods.items()}
    gaps = [best[m] - best["trac"] for m in best if m not in ("trac", "reset")]
    return f"{min(gaps):.0f} to {max(gaps):.0f}"

  cart_best = lambda m: first(md_cell(f"{EX}/cartpole/tables.md", (m,), "best whole-run return"))
  return [
      q(E, "TRAC's four learning rates on CartPole score within {} return points of each other",
        lambda: md_cell(f"{EX}/cartpole/tables.md", ("TRAC(Adam)", "4"), "spread (best - worst)")),
      q(E, "where this one picks 3e-3 on both{}",
        lambda: "" if all(md_cell(f"{EX}/{env}/tables.md", ("TRAC(Adam)", "4"), "best setting")
                          == "lr 0.003" for env in ("cartpole", "acrobot")) else "MISMATCH"),
      q(E, "TRAC at the paper's lr 1e-2 (no tuning): CartPole {}, Acrobot {}.",
        *(lambda env=env: md_cell(f"{EX}/{env}/tables.md", ("TRAC(Adam)", "lr 0.01"), "whole run")
          for env in ("cartpole", "acrobot"))),
      q(E, "TRAC's level means stay at {} or more on CartPole at every learning rate",
        lambda: f1(min(min(trac_levels("cartpole", f"level {i}")) for i in range(5)))),
      q(E, "and on Acrobot end at {} .. {} in level 4",
        lambda: f"{max(trac_levels('acrobot', 'level 4')):.0f}",
        lambda: f"{min(trac_levels('acrobot', 'level 4')):.0f}"),
      q(E, "also falls, a level later: {} in level 2, {} in levels 3 and 4, against TRAC's {} and {}",
        lambda: short("cartpole_noshift", "adam", "level 2"),
        lambda: short("cartpole_noshift", "adam", "level 3")
        if short("cartpole_noshift", "adam", "level 3") == short("cartpole_noshift", "adam",
                                                                 "level 4") else "MISMATCH",
        lambda: short("cartpole_noshift", "trac", "level 3"),
        lambda: short("cartpole_noshift", "trac", "level 4")),
      q(E, "**The oracle is the best method on CartPole** ({}, the only interval",
        lambda: md_cell(f"{EX}/cartpole/tables.md", ("Adam, reset at switch (oracle)",),
                        "best whole-run return")),
      q(E, "Mechanic ({}), tuned Adam ({}), Shrink & Perturb ({}), non-stationary Adam ({}) and L2 "
        "to init ({}), all with intervals overlapping TRAC's",
        *(lambda m=m: cart_best(m) for m in ("Mechanic(Adam)", "Adam", "Adam + shrink & perturb",
                                              "Adam, b1 = b2 = 0.99", "Adam + L2 to init"))),
      q(E, "ahead of TRAC ({} at lr 3e-3; {} untuned), by {} return points",
        lambda: cart_best("TRAC(Adam)"), lambda: short("cartpole", "trac", "whole run"),
        lambda: gaps_to_trac("cartpole")),
      q(E, "all ahead of TRAC ({} at lr 3e-3; {} untuned) by {} return points",
        lambda: md_cell(f"{EX}/acrobot/tables.md", ("TRAC(Adam)",), "best whole-run return"),
        lambda: short("acrobot", "trac", "whole run"), lambda: gaps_to_trac("acrobot")),
      q(E, "At the paper's lr 1e-2, Adam scores {} on CartPole and {} on Acrobot against TRAC's {} "
        "and {}.",
        *(lambda env=env, m=m: md_cell(f"{EX}/{env}/tables.md", (m, "lr 0.01"), "whole run")
          for m in ("Adam", "TRAC(Adam)") for env in ("cartpole", "acrobot"))),
      q(E, "(untuned TRAC {} and {}; Adam at its median setting {} and {})",
        lambda: short("cartpole", "trac", "whole run"), lambda: short("acrobot", "trac", "whole run"),
        *(lambda env=env: first(md_cell(f"{EX}/{env}/tables.md", ("Adam",),
                                        "median whole-run return"))
          for env in ("cartpole", "acrobot"))),
      q(E, "its S stays at {}-{} (TRAC shrinks",
        lambda: f"{min(acro_scales()):.3f}", lambda: f"{max(acro_scales()):.3f}"),
      q(E, "so its first levels are poor ({} .. {} in level 0)",
        lambda: f"{max(float(x) for x in trac_level0()):.0f}",
        lambda: f"{min(float(x) for x in trac_level0()):.0f}"),
  ]
