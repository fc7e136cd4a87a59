"""The generated tables of the lifelong RL results.

They are in README.md (the published protocol), docs/game_switches.md and examples/README.md.
"""

from __future__ import annotations

from tools.readme_figures.formats import lr_text, pm
from tools.readme_figures.results import BENCH, EX, first, j, md_cell, published_cell

PUBLISHED_METHODS = ("reset@c_chain", "adam@c_chain", "trac@c_chain", "l2_init@c_chain",
                     "weight_clip@c_chain")


def published_table() -> str:
  """Ours beside C-CHAIN's Table 1, the published protocol (published/comparison.json)."""
  lines = ["| env | reset at each shift (oracle) | Adam | TRAC(Adam) | L2 to init | "
           "weight clipping |", "|---|---|---|---|---|---|"]
  envs = j(f"{EX}/published/comparison.json", "environments")
  for env in ("CartPole-v1", "Acrobot-v1", "MountainCar-v0"):
    if not envs[env]["available"]:
      continue
    ours, theirs, seeds = [], [], set()
    for key in PUBLISHED_METHODS:
      c = published_cell(env, key)
      theirs.append(f"{c['published']:.1f} ± {c['published_se']:.1f}")
      if "mean" not in c:
        ours.append("not run")
        continue
      seeds.add(c["seeds"])
      text = pm(c)
      for name, value in c["setting"].items():  # the chosen setting beyond the lr
        if name != "lr":
          text += f" ({name} {value:g})" if value == int(value) else f" ({name} {lr_text(value)})"
      if c["verdict"] != "agrees":
        text += f" ({c['verdict']})"
      ours.append(text)
    lines.append(f"| {env}, ours ({'/'.join(map(str, sorted(seeds)))} seeds) | "
                 + " | ".join(ours) + " |")
    lines.append(f"| {env}, C-CHAIN (6 seeds) | " + " | ".join(theirs) + " |")
  return "\n".join(lines)


SHORT_METHODS = ("Adam", "TRAC(Adam)", "Adam, reset at switch (oracle)", "Adam, b1 = b2 = 0.99",
                 "Mechanic(Adam)", "Adam + L2 to init", "Adam + shrink & perturb")


def short_shifts_table() -> str:
  """Each method's best, median and spread on the short-budget CartPole and Acrobot grids."""
  lines = ["| method | settings tried | CartPole best | CartPole median | CartPole spread | "
           "Acrobot best | Acrobot median | Acrobot spread |", "|---" * 8 + "|"]
  for method in SHORT_METHODS:
    tried = md_cell(f"{EX}/cartpole/tables.md", (method,), "configurations")
    cells = [tried.replace(" (Adam's lr sweep)", "")]
    for env in ("cartpole", "acrobot"):
      cell = lambda column, env=env: md_cell(f"{EX}/{env}/tables.md", (method,), column)
      cells += [f"{cell('best whole-run return')} ({cell('best setting')})",
                f"{cell('median whole-run return')} ({cell('median setting')})",
                cell("spread (best - worst)")]
    lines.append(f"| {method} | " + " | ".join(cells) + " |")
  return "\n".join(lines)


SHORT_CONTROLS = (("no shift (`--shift-scale 0`)", "cartpole_noshift"),
                  ("permuted observations (`--shift permute`)", "cartpole_permute"))


def short_controls_table() -> str:
  """Adam and TRAC at lr 1e-2 on the two CartPole controls: whole run and levels 3-4."""
  lines = ["| sequence | Adam | TRAC(Adam) |", "|---|---|---|"]
  for text, folder in SHORT_CONTROLS:
    cells = []
    for method in ("Adam", "TRAC(Adam)"):
      cell = lambda column: md_cell(f"{EX}/{folder}/tables.md", (method, "lr 0.01"), column)
      cells.append(f"{cell('whole run')}; levels 3-4: {first(cell('level 3'))}, "
                   f"{first(cell('level 4'))}")
    lines.append(f"| {text} | " + " | ".join(cells) + " |")
  return "\n".join(lines)


def minatar_sizing_table() -> str:
  """Seconds per million env steps per MinAtar game (`python -m benchmarks.minatar`), ours and
  rejax's."""
  bench = j(f"{BENCH}/minatar.json")
  per_m = lambda row: f"{1e6 / row['env_steps_per_s']:.0f}"
  both = lambda runs, name: " / ".join(per_m(runs[k]["rows"][name])
                                       for k in ("one_seed", "vmapped"))
  lines = ["| game | our PPO, Adam: 1 seed / 4 seeds vmapped | TRAC(Adam) | rejax |",
           "|---|---|---|---|"]
  for game, runs in bench["games"].items():
    lines.append(f"| {game.removesuffix('-MinAtar')} | "
                 + " | ".join(both(runs, name) for name in ("adam", "trac", "rejax")) + " |")
  return "\n".join(lines)


def minatar_table() -> str:
  """The game-switching grid: whole-run normalised score and the last visit's test, per game."""
  path = f"{EX}/minatar/tables.md"
  methods = [m["label"] for m in j(f"{EX}/minatar/results.json", "summary", "methods").values()]
  lines = ["| method | whole-run normalized score [95%] | IQM [95%] | P(beats Adam) [95%] |",
           "|---|---|---|---|"]
  for m in methods:
    lines.append(f"| {m} | {md_cell(path, (m,), 'best whole-run normalized score')} | "
                 f"{md_cell(path, (m,), 'IQM [95%]')} | "
                 f"{md_cell(path, (m,), 'P(beats Adam' + chr(39) + 's best) [95%]')} |")
  return "\n".join(lines)


def _interval_text(e: dict) -> str:
  return f"{e['mean']:.2f} [{e['mean_low']:.2f}, {e['mean_high']:.2f}]"


def minatar_plasticity_table() -> str:
  """The plasticity-loss test at each game's last visit, from examples/results/minatar."""
  summary = j(f"{EX}/minatar/results.json", "summary")
  games = summary["task_names"]
  lines = ["| method | game | last visit − visit 1 [95%] | last visit − oracle [95%] | verdict |",
           "|---|---|---|---|---|"]
  last = {}
  for t in summary["plasticity"]:
    last[(t["method"], t["task"])] = t  # entries run visit 2, 3, ...: the last one stays
  for name, m in summary["methods"].items():
    for game in games:
      t = last[(name, game)]
      versus = _interval_text(t["minus_oracle"]) if "minus_oracle" in t else "(itself)"
      lines.append(f"| {m['label']} | {game.removesuffix('-MinAtar')} (visit {t['visit']}) | "
                   f"{_interval_text(t['minus_first'])} | {versus} | {t['verdict']} |")
  return "\n".join(lines)
