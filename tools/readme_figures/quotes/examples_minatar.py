"""The figures quoted in examples/README.md on MinAtar game switches: speed, L2, diagnostics."""

from __future__ import annotations

from tools.readme_figures.formats import f2, f3
from tools.readme_figures.quote import Quote, q
from tools.readme_figures.results import BENCH, EX, j, md_cell


def quotes() -> list[Quote]:
  """The quotes of examples/README.md's MinAtar sections."""
  E = "examples/README.md"
  mn_path = f"{EX}/minatar/tables.md"
  mn_saved = lambda: j(f"{EX}/minatar/results.json")
  mn_summary = lambda: mn_saved()["summary"]
  mn_whole = lambda m: md_cell(mn_path, (m,), "best whole-run normalized score")

  def mn_last(method: str, game: str) -> float:
    """The method's normalised score on the game's last visit (the plasticity test's "this")."""
    return [t for t in mn_summary()["plasticity"]
            if t["method"] == method and t["task"] == game][-1]["this"]["mean"]

  def mn_diag(method: str, key: str, last_visits: bool = False) -> list[float]:
    rows = [r for r in mn_summary()["diagnostics_at_segment_end"] if r["method"] == method]
    if last_visits:
      rows = [r for r in rows if r["visit"] == max(x["visit"] for x in rows)]
    return [r[key] for r in rows]

  def mn_segment_diag(method: str, game: str, key: str) -> float:
    rows = [r for r in mn_summary()["diagnostics_at_segment_end"]
            if r["method"] == method and r["task"] == game]
    return rows[-1][key]

  sq, si = "Seaquest-MinAtar", "SpaceInvaders-MinAtar"
  bench = lambda: j(f"{BENCH}/minatar.json")
  vs_rejax = lambda key: [runs[k]["ratios"][key] for runs in bench()["games"].values()
                          for k in ("one_seed", "vmapped")]
  s_per_m = lambda game: 1e6 / bench()["games"][game]["one_seed"]["rows"]["adam"]["env_steps_per_s"]
  seq_s_per_m = lambda k: 1e6 / bench()["lifelong"][k]["rows"]["trac"]["env_steps_per_s"]
  others = lambda: [s_per_m(g) for g in bench()["games"] if g != sq]
  run_steps = lambda: len(mn_saved()["schedule"]["order"]) * mn_saved()["env_steps_per_segment"]
  return [
      q(E, "runs each game at {} to {} times rejax's speed at the same configuration, diagnostics "
        "included (with TRAC(Adam): {} to {})",
        lambda: f2(min(vs_rejax("adam_over_rejax"))), lambda: f2(max(vs_rejax("adam_over_rejax"))),
        lambda: f2(min(vs_rejax("trac_over_rejax"))), lambda: f2(max(vs_rejax("trac_over_rejax")))),
      q(E, "{} s per million env steps against {} to {} s for the others (Adam, one seed)",
        lambda: f"{s_per_m(sq):.0f}", lambda: f"{min(others()):.0f}",
        lambda: f"{max(others()):.0f}"),
      q(E, "The sequence {} itself, as a lifelong run steps it (TRAC(Adam), only the game in "
        "force stepped): {} s per million env steps at one seed, {} vmapped",
        lambda: " > ".join(g.removesuffix("-MinAtar")
                           for g in bench()["settings"]["sequence"]),
        lambda: f"{seq_s_per_m('one_seed'):.0f}", lambda: f"{seq_s_per_m('vmapped'):.0f}"),
      q(E, "The L2 run above (6 runs, {}M env steps) comes to {} s that way and took {} s",
        lambda: f"{6 * run_steps() / 1e6:.1f}",
        lambda: f"{seq_s_per_m('vmapped') * 6 * run_steps() / 1e6:,.0f}",
        lambda: f"{mn_saved()['run_wall_times_s'][1]:,.0f}"),
      q(E, "the main grid (18 runs, {}M env steps) took {} s",
        lambda: f"{18 * run_steps() / 1e6:.0f}",
        lambda: f"{mn_saved()['run_wall_times_s'][0]:,.0f}"),
      q(E, "**L2 to init is level with Adam** over the whole run ({} against {}; P(L2 > Adam) = {})",
        lambda: mn_whole("Adam + L2 to init"), lambda: mn_whole("Adam"),
        lambda: md_cell(mn_path, ("Adam + L2 to init",), "P(beats Adam's best) [95%]")),
      q(E, "its last Seaquest is the best of any method ({} against Adam's {}), its last "
        "SpaceInvaders below Adam's ({} against {})",
        lambda: f2(mn_last("l2_init", sq)) if mn_last("l2_init", sq) == max(
            mn_last(m, sq) for m in mn_summary()["methods"]) else "MISMATCH",
        lambda: f2(mn_last("adam", sq)), lambda: f2(mn_last("l2_init", si)),
        lambda: f2(mn_last("adam", si))),
      q(E, "keeps |θ| at most {}, where Adam's grows to {}, and its dead units at {} or less at "
        "the end of each last visit (Adam's: up to {})",
        lambda: f"{max(mn_diag('l2_init', 'param_norm')):.1f}",
        lambda: f"{max(mn_diag('adam', 'param_norm')):.1f}",
        lambda: f3(max(mn_diag("l2_init", "dormant_0.0", last_visits=True))),
        lambda: f3(max(mn_diag("adam", "dormant_0.0", last_visits=True)))),
      q(E, "At the end of the third SpaceInvaders visit its entropy is {}, against Adam's {}, and "
        "{} of its units are dead (τ = 0), against Adam's {}",
        lambda: f2(mn_segment_diag("trac", si, "entropy")),
        lambda: f2(mn_segment_diag("adam", si, "entropy")),
        lambda: f3(mn_segment_diag("trac", si, "dormant_0.0")),
        lambda: f3(mn_segment_diag("adam", si, "dormant_0.0"))),
  ]
