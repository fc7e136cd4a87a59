"""Every figure the READMEs quote, beside the committed result file it comes from.

    python -m tests.readme_figures           # check: prints what disagrees, exit 1
    python -m tests.readme_figures --write   # rewrite the generated tables

Two kinds of figure:

* BLOCKS: tables generated from result files, written between the markers
  ``<!-- figures:NAME -->`` and ``<!-- /figures:NAME -->`` of a doc. ``--write``
  rewrites them; the check regenerates each and compares.
* QUOTES: figures in prose. Each is the exact text the doc holds, with ``{}``
  where the figures go, and the function that reads each figure from its result
  file and formats it. Whitespace (line breaks) does not matter.

And one net under both (``stray_figures``): in README.md and docs/*.md, outside
code, links and generated blocks, every number with two or more significant
digits, and every percentage or ratio ("14.8%", "1.68x"), must lie inside a
checked quote. The benchmark README's own generated section is checked against
``benchmarks.run_all.table`` (the code that writes it).

Reading only committed files (JSON, CSV, markdown tables), it takes well under a
second and trains nothing.
"""

from __future__ import annotations

import functools
import json
import pathlib
import re
import sys
from dataclasses import dataclass
from typing import Callable, Sequence

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH = "benchmarks/results/cpu"
EX = "examples/results"

# --------------------------------------------------------------------- reading


@functools.lru_cache(maxsize=None)
def _text(path: str) -> str:
  return (ROOT / path).read_text()


@functools.lru_cache(maxsize=None)
def _json(path: str):
  return json.loads(_text(path))


def j(path: str, *keys):
  """The value at ``keys`` in a JSON result file (str keys for dicts, int for lists)."""
  value = _json(path)
  for key in keys:
    value = value[key]
  return value


def md_cell(path: str, row: Sequence[str], column: str) -> str:
  """The cell under header ``column`` of the markdown-table row starting with ``row``."""
  header = None
  for line in _text(path).splitlines():
    if not line.startswith("|"):
      header = None
      continue
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if header is None:
      header = cells
      continue
    if cells[:len(row)] == list(row) and column in header:
      return cells[header.index(column)]
  raise KeyError(f"{path}: no table row {row} with a column {column!r}")


def first(cell: str) -> str:
  """The value before an interval: '0.315 [0.312, 0.317]' -> '0.315'."""
  return cell.split(" [")[0]


def startup_row(inner: str, lr: float, s_prev: float) -> dict:
  rows = [r for r in j(f"{BENCH}/startup.json", "grid")
          if r["inner"] == inner and r["lr"] == lr and r["s_prev"] == s_prev]
  assert len(rows) == 1, (inner, lr, s_prev)
  return rows[0]


def fine_tune_row(method: str) -> dict:
  rows = [r for r in j(f"{BENCH}/startup.json", "fine_tune", "rows") if r["method"] == method]
  assert len(rows) == 1, method
  return rows[0]


def warm_row(lr: float) -> dict:
  rows = [r for r in j(f"{BENCH}/startup.json", "warm_start") if r["lr"] == lr]
  assert len(rows) == 1, lr
  return rows[0]


def misorder_row(case: str, reference: str) -> dict:
  rows = [r for r in j(f"{BENCH}/misorder.json", "rows")
          if r["case"] == case and r["reference"] == reference]
  assert len(rows) == 1, (case, reference)
  return rows[0]


def published_cell(env: str, cell: str) -> dict:
  return j(f"{EX}/published/comparison.json", "environments", env, "cells", cell)


def trac_scale_at_level_end(folder: str, setting: int, segment: int) -> float:
  rows = [r for r in j(f"{EX}/{folder}/results.json", "summary", "diagnostics_at_segment_end")
          if r["method"] == "trac" and r["setting"] == setting and r["segment"] == segment]
  assert len(rows) == 1, (folder, setting, segment)
  return rows[0]["scale"]


def anchor_case(dtype: str, reference: str, after: str) -> dict:
  rows = [c for c in j(f"{BENCH}/anchor.json", "cases")
          if c["dtype"] == dtype and c["reference"] == reference and c["after"] == after]
  assert len(rows) == 1, (dtype, reference, after)
  return rows[0]


def step_row(size_index: int, name: str) -> dict:
  return j(f"{BENCH}/step.json", "sizes", size_index, "rows", name)


def step_ratio(size_index: int, key: str) -> float:
  """A ratio of the step benchmark (medians of per-round ratios), e.g. 'trac_over_adam'."""
  return j(f"{BENCH}/step.json", "sizes", size_index, "ratios", key)


# ------------------------------------------------------------------ formatting


def g3(x: float) -> str:
  """Three significant digits, as a person writes them: 0.0154, 5.74e-07, 56,579."""
  if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
    return f"{x:.2e}"
  return f"{float(f'{x:.3g}'):,}".removesuffix(".0") if abs(x) >= 1000 else f"{x:.3g}"


def f1(x: float) -> str:
  return f"{x:.1f}"


def f2(x: float) -> str:
  return f"{x:.2f}"


def f3(x: float) -> str:
  return f"{x:.3f}"


def f4(x: float) -> str:
  return f"{x:.4f}"


def pm(cell: dict) -> str:
  return f"{cell['mean']:.1f} ± {cell['se']:.1f}"


def pct(x: float) -> str:
  return f"{100 * x:+.1f}%"


def lr_text(x: float) -> str:
  """0.001 -> '1e-3'."""
  mantissa, exponent = f"{x:.0e}".split("e")
  return f"{mantissa}e{int(exponent)}"


def steps_text(n: int | None) -> str:
  return "never" if n is None else str(n)


def integer(x: float) -> str:
  return f"{x:,.0f}"


# ---------------------------------------------------------- generated tables

STARTUP_LRS = (1e-4, 1e-3, 1e-2)
STARTUP_S_PREVS = (1e-8, 1e-6, 1e-4, 1e-2)
INNER_TEXT = {"adam": "adam", "adamw": "adamw (weight decay 1e-2)", "sgd": "sgd (momentum 0.9)"}


def startup_table(inners: Sequence[str]) -> str:
  """Steps for S to reach 0.1 and 1, per inner, lr and s_prev (startup.json, the grid)."""
  steps = j(f"{BENCH}/startup.json", "settings", "steps")
  lines = ["| inner, lr | " + " | ".join(f"s_prev {lr_text(s)}" for s in STARTUP_S_PREVS)
           + f" | S at step {steps} (s_prev 1e-8) |",
           "|---" * (len(STARTUP_S_PREVS) + 2) + "|"]
  for inner in inners:
    for lr in STARTUP_LRS:
      cells = []
      for s_prev in STARTUP_S_PREVS:
        r = startup_row(inner, lr, s_prev)
        cells.append(f"{steps_text(r['steps_to_S_0.1'])} / {steps_text(r['steps_to_S_1'])}")
      s_end = startup_row(inner, lr, 1e-8)["S_at"][str(steps)]
      lines.append(f"| {INNER_TEXT[inner]}, {lr_text(lr)} | " + " | ".join(cells)
                   + f" | {g3(s_end)} |")
  return "\n".join(lines)


def startup_loss_table() -> str:
  """Held-out loss of trac(adam) at a few steps per lr and s_prev, beside adam alone."""
  at = ("10", "50", "100", "1000")
  lines = ["| adam lr | run | " + " | ".join(f"loss at step {t}" for t in at) + " |",
           "|---" * (len(at) + 2) + "|"]
  for lr in STARTUP_LRS:
    alone = startup_row("adam", lr, 1e-8)["inner_alone_loss_at"]
    lines.append(f"| {lr_text(lr)} | adam alone | " + " | ".join(f4(alone[t]) for t in at) + " |")
    for s_prev in STARTUP_S_PREVS:
      loss = startup_row("adam", lr, s_prev)["loss_at"]
      lines.append(f"| {lr_text(lr)} | trac, s_prev {lr_text(s_prev)} | "
                   + " | ".join(f4(loss[t]) for t in at) + " |")
    warm = warm_row(lr)
    lines.append(f"| {lr_text(lr)} | adam {warm['warm_steps']} steps, then trac | "
                 + " | ".join(f4(warm["loss_at"][t]) for t in at) + " |")
  return "\n".join(lines)


FINE_TUNE_ORDER = ("adam", "trac, s_prev 1e-08", "trac, s_prev 0.0001", "trac, s_prev 0.01",
                   "adam 50 steps, then trac")


def fine_tune_table() -> str:
  """Fine-tuning a trained MLP on a shifted teacher (startup.json, fine_tune)."""
  ft = j(f"{BENCH}/startup.json", "fine_tune")
  at = ("10", "50", "100", "500")
  lines = ["| run | S reaches 0.1 at step | " + " | ".join(f"loss at step {t}" for t in at)
           + " |", "|---" * (len(at) + 2) + "|"]
  for method in FINE_TUNE_ORDER:
    r = fine_tune_row(method)
    name = method.replace("1e-08", "1e-8 (default)").replace("0.0001", "1e-4").replace(
        "0.01", "1e-2").replace("adam", f"adam({lr_text(ft['lr'])})", 1)
    reach = "-" if r["S_at"] is None else steps_text(r["steps_to_S_0.1"])
    lines.append(f"| {name} | {reach} | " + " | ".join(f4(r["loss_at"][t]) for t in at) + " |")
  return "\n".join(lines)


MISORDER_CASES = (
    ("trac last (clip before)", "`chain(clip_by_global_norm(0.1), trac(adam))`: the documented order"),
    ("clip_by_global_norm(0.1) after", "`chain(trac(adam), clip_by_global_norm(0.1))`"),
    ("clip(1e-4) after", "`chain(trac(adam), clip(1e-4))`"),
    ("add_decayed_weights(1e-3) after", "`chain(trac(adam), add_decayed_weights(1e-3))`"),
    ("instead: trac(adamw(weight_decay=1e-3))", "instead: `trac(adamw(lr, weight_decay=1e-3))`"),
    ("scale_by_schedule(1 -> 0) after", "`chain(trac(adam), scale_by_schedule(1 → 0))`"),
    ("instead: trac(adam(schedule))", "instead: `trac(adam(schedule))`"),
    ("mechanize(trac(adam))", "`contrib.mechanize(trac(adam))`, a second tuner around"),
)


def misorder_table() -> str:
  """Each misordering beside its remedy, implied and stored reference (misorder.json)."""
  steps = j(f"{BENCH}/misorder.json", "settings", "steps")
  lines = [f"| chain | anchor error at step {steps} | S | loss | `anchor_drift` (warns?) | "
           "stored reference: anchor error | S | loss |", "|---" * 8 + "|"]
  for case, text in MISORDER_CASES:
    cells = []
    for reference in ("implied", "stored"):
      r = misorder_row(case, reference)
      cells += [g3(r["anchor_error_at"][str(steps)]), g3(r["final_S"]), f4(r["final_loss"])]
      if reference == "implied":
        cells.append(f"{g3(r['anchor_drift'])} ({'yes' if r['warns'] else 'no'})")
    lines.append(f"| {text} | " + " | ".join(cells) + " |")
  return "\n".join(lines)


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
      if "strength" in c["setting"]:
        text += f" (strength {lr_text(c['setting']['strength'])})"
      if c["verdict"] != "agrees":
        text += f" ({c['verdict']})"
      ours.append(text)
    lines.append(f"| {env}, ours ({'/'.join(map(str, sorted(seeds)))} seeds) | "
                 + " | ".join(ours) + " |")
    lines.append(f"| {env}, C-CHAIN (6 seeds) | " + " | ".join(theirs) + " |")
  return "\n".join(lines)


LEAST_SQUARES_COLUMNS = ("adam", "trac_optax.trac(adam)", "reference JAX", "reference PyTorch")


def least_squares_table() -> str:
  """Loss after the run from non-zero weights, ours and the reference (least_squares.json)."""
  lines = ["| seed | min \\|w₀\\| | loss at t=0 | " + " | ".join(LEAST_SQUARES_COLUMNS) + " |",
           "|---" * (len(LEAST_SQUARES_COLUMNS) + 3) + "|"]
  for r in j(f"{BENCH}/least_squares.json", "rows"):
    lines.append(f"| {r['seed']} | {r['min_abs_w0']:.1e} | {r['initial']['adam']:.4g} | "
                 + " | ".join(f"{r['final'][c]:.4g}" for c in LEAST_SQUARES_COLUMNS) + " |")
  never = {c: sum(r["final"][c] == r["initial"][c] for r in j(f"{BENCH}/least_squares.json",
                                                                 "rows"))
           for c in LEAST_SQUARES_COLUMNS}
  n = len(j(f"{BENCH}/least_squares.json", "rows"))
  lines.append("")
  lines.append("Never moved (final loss bit-identical to the initial one): "
               + ", ".join(f"{c} {never[c]}/{n}" for c in LEAST_SQUARES_COLUMNS) + ".")
  return "\n".join(lines)


def anchor_table() -> str:
  """How far the anchor drifts over 1e4 steps, implied and stored (anchor.json)."""
  lines = ["| params | after `trac` | implied (default), 1e3 / 1e4 steps | stored, 1e3 / 1e4 steps |",
           "|---|---|---|---|"]
  for dtype in ("float32", "bfloat16"):
    for after, text in (("none", "nothing (`trac` last)"),
                        ("decay_1e-4", "`add_decayed_weights(1e-4)`")):
      cells = []
      for reference in ("implied", "stored"):
        at = anchor_case(dtype, reference, after)["at_step"]
        cells.append(f"{g3(at['1000']['relative'])} / {g3(at['10000']['relative'])}")
      lines.append(f"| {dtype} | {text} | " + " | ".join(cells) + " |")
  return "\n".join(lines)


def cost_table() -> str:
  """The cost figures against their goals (erfi, step, ppo, devices JSON)."""
  erfi = lambda *k: j(f"{BENCH}/erfi.json", *k)
  ratio = lambda i, k: step_ratio(i, k)
  size = lambda i: f"1e{len(str(j(f'{BENCH}/step.json', 'settings', 'sizes', i))) - 1}"
  state = lambda k: f1(step_row(1, k)["state_over_params"])
  ppo = lambda which, key: j(f"{BENCH}/ppo.json", which, "ratios", key)
  dev = j(f"{BENCH}/devices.json", "rows")
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
      ("PPO on CartPole, env steps/s: trac(adam) / rejax 0.1.3, one seed / 4 vmapped",
       f"{f2(ppo('one_seed', 'trac_over_rejax'))} / {f2(ppo('vmapped', 'trac_over_rejax'))}",
       "≥ 1.0"),
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
  bench = _json(f"{BENCH}/minatar.json")
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


BLOCKS: dict[str, Callable[[], str]] = {
    "startup_adam": lambda: startup_table(["adam"]),
    "startup_all": lambda: startup_table(["adam", "adamw", "sgd"]),
    "startup_loss": startup_loss_table,
    "fine_tune": fine_tune_table,
    "misorder": misorder_table,
    "published": published_table,
    "least_squares": least_squares_table,
    "anchor": anchor_table,
    "cost": cost_table,
    "short_shifts": short_shifts_table,
    "short_controls": short_controls_table,
    "minatar_sizing": minatar_sizing_table,
    "minatar": minatar_table,
    "minatar_plasticity": minatar_plasticity_table,
}

# ------------------------------------------------------------- quoted figures


@dataclass(frozen=True)
class Quote:
  """``text`` with ``{}`` filled by ``values`` (each read and formatted from a result file)."""
  doc: str
  text: str
  values: tuple[Callable[[], str], ...] = ()

  def expected(self) -> str:
    return self.text.format(*(v() for v in self.values))


def q(doc: str, text: str, *values: Callable[[], str]) -> Quote:
  return Quote(doc, text, tuple(values))


def _quotes_readme() -> list[Quote]:
  R = "README.md"
  F = "docs/first_steps.md"
  A = "docs/anchor.md"
  su = lambda *a: startup_row(*a)
  return [
      # first steps (benchmarks.startup)
      q(F, "S reaches 0.1 after {} steps and 1 after {}", lambda: str(
          su("adam", 1e-4, 1e-8)["steps_to_S_0.1"]), lambda: str(su("adam", 1e-4, 1e-8)["steps_to_S_1"])),
      q(F, "at step 50 its loss is {} against adam's {}",
        lambda: f4(su("adam", 1e-3, 1e-8)["loss_at"]["50"]),
        lambda: f4(su("adam", 1e-3, 1e-8)["inner_alone_loss_at"]["50"])),
      q(F, "by step 1000 it is {} against {}",
        lambda: f4(su("adam", 1e-3, 1e-8)["loss_at"]["1000"]),
        lambda: f4(su("adam", 1e-3, 1e-8)["inner_alone_loss_at"]["1000"])),
      q(F, "`s_prev=1e-2` puts S at 0.1 from the first step (loss at step 50: {})",
        lambda: f4(su("adam", 1e-3, 1e-2)["loss_at"]["50"])),
      q(R, "S at step 1000 is {}, {} and {} at lr 1e-4, 1e-3 and 1e-2",
        *(lambda lr=lr: g3(su("adam", lr, 1e-8)["S_at"]["1000"]) for lr in STARTUP_LRS)),
      q(R, "(lr x S: {}, {} and {})",
        *(lambda lr=lr: f"{lr * su('adam', lr, 1e-8)['S_at']['1000']:.1e}" for lr in STARTUP_LRS)),
      q(F, "loss at step 10 is {} with `s_prev=1e-2` against adam's {}",
        lambda: f4(fine_tune_row("trac, s_prev 0.01")["loss_at"]["10"]),
        lambda: f4(fine_tune_row("adam")["loss_at"]["10"])),
      q(F, "and {} with the default (the loss before: {})",
        lambda: f4(fine_tune_row("trac, s_prev 1e-08")["loss_at"]["10"]),
        lambda: f4(j(f"{BENCH}/startup.json", "fine_tune", "loss_before"))),
      q(F, "after 500 steps {} against adam's {}",
        lambda: f4(fine_tune_row("trac, s_prev 0.01")["loss_at"]["500"]),
        lambda: f4(fine_tune_row("adam")["loss_at"]["500"])),
      q(F, "the warm start ends at {} (lr 1e-3, step 1000) against {} for a cold start",
        lambda: f4(warm_row(1e-3)["loss_at"]["1000"]),
        lambda: f4(su("adam", 1e-3, 1e-8)["loss_at"]["1000"])),
      # learning rate (published_cartpole_lr, published_cartpole, short-budget grids)
      q(R, "TRAC scores {}, {} and {} at lr 1e-4, 1e-3 and 1e-2",
        lambda: first(md_cell(f"{EX}/published_cartpole_lr/tables.md",
                              ("TRAC(Adam)", "lr 0.0001"), "whole run")),
        lambda: pm(published_cell("CartPole-v1", "trac@c_chain")).split(" ±")[0],
        lambda: first(md_cell(f"{EX}/published_cartpole_lr/tables.md",
                              ("TRAC(Adam)", "lr 0.01"), "whole run"))),
      q(R, "Adam's best of the three, {} at lr 1e-4,",
        lambda: first(md_cell(f"{EX}/published_cartpole_lr/tables.md",
                              ("Adam", "lr 0.0001"), "whole run"))),
      q(R, "S at the end of the first level is {}, {} and {}",
        lambda: f2(trac_scale_at_level_end("published_cartpole_lr", 0, 0)),
        lambda: f2(trac_scale_at_level_end("published_cartpole", 0, 0)),
        lambda: f"{trac_scale_at_level_end('published_cartpole_lr', 1, 0):.3f}"),
      q(R, "three times, {} env steps per visit, {} seeds, every method at lr 1e-3;",
        lambda: f"{j(f'{EX}/minatar/results.json', 'env_steps_per_segment'):,}",
        lambda: str(j(f"{EX}/minatar/results.json", "seeds"))),
      q(R, "TRAC's best lr was 3e-3 on CartPole and Acrobot{}",
        lambda: "" if (md_cell(f"{EX}/cartpole/tables.md", ("TRAC(Adam)", "4"), "best setting"),
                       md_cell(f"{EX}/acrobot/tables.md", ("TRAC(Adam)", "4"), "best setting"))
        == ("lr 0.003", "lr 0.003") else "MISMATCH"),
      q(R, "on CartPole its four learning rates score within {} return points of each other",
        lambda: md_cell(f"{EX}/cartpole/tables.md", ("TRAC(Adam)", "4"), "spread (best - worst)")),
      # misordering (benchmarks.misorder)
      q(A, "the anchor moves by {} of ‖θ₀‖ in {} steps",
        lambda: g3(misorder_row("add_decayed_weights(1e-3) after", "implied")["anchor_error_at"]["500"]),
        lambda: str(j(f"{BENCH}/misorder.json", "settings", "steps"))),
      q(A, "the loss ends at {} against {} for `trac(adamw(...))`",
        lambda: f4(misorder_row("add_decayed_weights(1e-3) after", "implied")["final_loss"]),
        lambda: f4(misorder_row("instead: trac(adamw(weight_decay=1e-3))", "implied")["final_loss"])),
      q(A, "S runs away to {}",
        lambda: g3(misorder_row("mechanize(trac(adam))", "implied")["final_S"])),
      q(A, "In the documented order the error is {} after {} steps",
        lambda: g3(misorder_row("trac last (clip before)", "implied")["anchor_error_at"]["500"]),
        lambda: str(j(f"{BENCH}/misorder.json", "settings", "steps"))),
      q(A, "moved the anchor by {} and left the loss as it was",
        lambda: g3(misorder_row("clip_by_global_norm(0.1) after", "implied")["anchor_error_at"]["500"])),
      q(A, "(S reaches {}) and the loss ends at {} against {} in the documented order",
        lambda: g3(misorder_row("clip(1e-4) after", "implied")["final_S"]),
        lambda: f4(misorder_row("clip(1e-4) after", "implied")["final_loss"]),
        lambda: f4(misorder_row("trac last (clip before)", "implied")["final_loss"])),
      q(A, "the stored reference takes the weight decay case to {}",
        lambda: f4(misorder_row("add_decayed_weights(1e-3) after", "stored")["final_loss"])),
      q(A, "Around a second tuner it does not help: S still reaches {}",
        lambda: g3(misorder_row("mechanize(trac(adam))", "stored")["final_S"])),
      q(A, "optimizer state {}x the param bytes with adam against {}x",
        lambda: f1(step_row(1, "trac_stored")["state_over_params"]),
        lambda: f1(step_row(1, "trac")["state_over_params"])),
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
      # cost
      q(R, "optimizer state {}x the param bytes (adam alone: {}x)",
        lambda: f1(step_row(1, "trac")["state_over_params"]),
        lambda: f1(step_row(1, "adam")["state_over_params"])),
      q(R, "a step {}x adam's at 1e6 params and {}x at 1e7",
        lambda: f2(step_ratio(1, "trac_over_adam")), lambda: f2(step_ratio(2, "trac_over_adam"))),
      q(R, "PPO on CartPole {} slower with one seed, {} vmapped over 4",
        lambda: pct(j(f"{BENCH}/ppo.json", "one_seed", "ratios", "trac_overhead")),
        lambda: pct(j(f"{BENCH}/ppo.json", "vmapped", "ratios", "trac_overhead"))),
  ]


def _quotes_benchmarks() -> list[Quote]:
  B = "benchmarks/README.md"
  ppo = lambda which, key: j(f"{BENCH}/ppo.json", which, "ratios", key)
  return [
      q(B, "One seed: {} in the generated run (target <= 3%, missed). Vmapped over 4 seeds: {}",
        lambda: pct(ppo("one_seed", "trac_overhead")), lambda: pct(ppo("vmapped", "trac_overhead"))),
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


def _quotes_examples() -> list[Quote]:
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
  mn_path = f"{EX}/minatar/tables.md"
  mn_saved = lambda: _json(f"{EX}/minatar/results.json")
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
  bench = lambda: _json(f"{BENCH}/minatar.json")
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
      q(E, "P(TRAC > Adam) = 1.00 [1.00, 1.00] on both), TRAC keeps",
        lambda: "" if all(md_cell(f"{EX}/published/comparison.md", (env, "0.001", "Adam"),
                                  "P(TRAC > other)") == "1.00 [1.00, 1.00]"
                          for env in ("CartPole-v1", "Acrobot-v1")) else "MISMATCH"),
      q(E, "level with TRAC on CartPole (P(TRAC > L2) = {}) and ahead on Acrobot ({})",
        lambda: md_cell(f"{EX}/published/comparison.md",
                        ("CartPole-v1", "0.001", "Adam + L2 to init (strength 0.001)"),
                        "P(TRAC > other)"),
        lambda: md_cell(f"{EX}/published/comparison.md",
                        ("Acrobot-v1", "0.001", "Adam + L2 to init (strength 0.01)"),
                        "P(TRAC > other)")),
      q(E, "the oracle is ahead of TRAC on both ({}, {})",
        *(lambda env=env: md_cell(f"{EX}/published/comparison.md",
                                  (env, "0.001", "Adam, reset at switch (oracle)"),
                                  "P(TRAC > other)") for env in ("CartPole-v1", "Acrobot-v1"))),
      q(E, "(S at the end of level 0: {}, {} and {}",
        lambda: f2(trac_scale_at_level_end("published_cartpole_lr", 0, 0)),
        lambda: f2(trac_scale_at_level_end("published_cartpole", 0, 0)),
        lambda: f"{trac_scale_at_level_end('published_cartpole_lr', 1, 0):.3f}"),
      q(E, "TRAC's decline over the run is about 60% of Adam's ({} against {})",
        lambda: first(md_cell(f"{EX}/supervised_random_labels/tables.md",
                              ("TRAC(Adam), lr 0.01",), "last - first [95%]")).replace("-", "−"),
        lambda: first(md_cell(f"{EX}/supervised_random_labels/tables.md",
                              ("Adam, lr 0.001",), "last - first [95%]")).replace("-", "−")),
      q(E, "far from the oracle that restarts at every task ({})",
        lambda: first(md_cell(f"{EX}/supervised_random_labels/tables.md",
                              ("Adam, reset at switch (oracle)",), "best whole-run mean [95%]"))),
      q(E, "clearly better on random labels ({}, P(TRAC > L2) = 0.00)",
        lambda: first(md_cell(f"{EX}/supervised_random_labels/tables.md", ("Adam + L2 to init",),
                              "best whole-run mean [95%]"))),
      q(E, "grid ({}, P = 1.00), non-stationary Adam ({}), and is level with Mechanic ({},",
        *(lambda m=m: first(md_cell(f"{EX}/supervised_random_labels/tables.md", (m,),
                                    "best whole-run mean [95%]"))
          for m in ("Adam + shrink & perturb", "Adam, b1 = b2 = 0.99", "Mechanic(Adam)"))),
      q(E, "But L2 to init's median setting ({}) is",
        lambda: first(md_cell(f"{EX}/supervised_random_labels/tables.md", ("Adam + L2 to init",),
                              "median whole-run mean [95%]"))),
      q(E, "| CartPole-v1 | TRAC(Adam) | 217.4 ± 26.3 | {} |", lambda: pm(published_cell(
          "CartPole-v1", "trac@c_chain"))),
      q(E, "| Acrobot-v1 | TRAC(Adam) | -166.6 ± 8.9 | {} |", lambda: pm(published_cell(
          "Acrobot-v1", "trac@c_chain"))),
      q(E, "whole-run accuracy {} ({} at lr 1e-3, no tuning) against Adam's best {}",
        *(lambda m=m: first(md_cell(f"{EX}/supervised_random_labels/tables.md", (m,),
                                    "best whole-run mean [95%]"))
          for m in ("TRAC(Adam)", "TRAC(Adam) (untuned)", "Adam"))),
  ]


def quotes() -> list[Quote]:
  return _quotes_readme() + _quotes_benchmarks() + _quotes_examples() + _quotes_docs()


def _quotes_docs() -> list[Quote]:
  D = "docs/erfi.md"
  acc = lambda dtype, name, key: j(f"{BENCH}/erfi.json", "accuracy", dtype, name, key)
  overflow = lambda dtype: f"{j(f'{BENCH}/erfi.json', 'overflow_threshold', dtype):.6f}"
  torch_pct = lambda: f"{acc('float32', 'reference_torch', 'max_rel_error_eps') * 2.0**-23:.0%}"
  return [
      q(D, "off by up to {} ulps on those points, and inf at {} of them",
        lambda: f"{j(f'{BENCH}/erfi.json', 'oracle', 'float64', 'scipy_max_rel_error_eps'):.0f}",
        lambda: str(j(f"{BENCH}/erfi.json", "oracle", "float64", "scipy_inf_where_finite"))),
      q(D, "{} float32 ulps over {} points, and {} float64 ulps over {} points",
        lambda: f2(acc("float32", "trac_optax", "max_rel_error_eps")),
        lambda: integer(acc("float32", "trac_optax", "points")),
        lambda: f1(acc("float64", "trac_optax", "max_rel_error_eps")),
        lambda: integer(acc("float64", "trac_optax", "points"))),
      q(D, "({} in float32, {} in float64)", lambda: overflow("float32"),
        lambda: overflow("float64")),
      q(D, "NaN instead of inf from x = {} on (float32)",
        lambda: f"{acc('float32', 'reference_jax', 'first_non_finite_x'):.5f}"),
      q(D, "errs by up to {} float32 ulps (about {})",
        lambda: g3(acc("float32", "reference_torch", "max_rel_error_eps")), torch_pct),
      q(D, "(its first inf is at {})",
        lambda: f"{acc('float32', 'reference_torch', 'first_inf_x'):.6f}"),
      q(D, "({} ulps in float32)",
        lambda: f"{acc('float32', 'dawsn', 'max_rel_error_eps_finite_outputs'):.0f}"),
      q(D, "(from {} in float32)", lambda: f"{acc('float32', 'dawsn', 'first_inf_x'):.6f}"),
      q(D, "1e6 elements: {}x the throughput",
        lambda: f1(j(f"{BENCH}/erfi.json", "speedup_over_reference_jax", "float32"))),
      q(D, "the `dawsn` erfi does less and is {}x faster",
        lambda: f1(j(f"{BENCH}/erfi.json", "throughput", "float32", "dawsn", "melem_per_s")
                   / j(f"{BENCH}/erfi.json", "throughput", "float32", "trac_optax", "melem_per_s"))),
      q("docs/reference_differences.md", "PyTorch erfi is off by up to about {}", torch_pct),
  ]


# --------------------------------------------------------------- the checks

BLOCK = re.compile(r"<!-- figures:(\w+) -->\n(.*?)<!-- /figures:\1 -->", re.DOTALL)
CHECKED_DOCS = ("README.md", "docs", "benchmarks/README.md", "examples/README.md")
NET_DOCS = ("README.md", "docs")   # every figure in these must be checked


def _docs(roots: Sequence[str]) -> list[str]:
  out = []
  for root in roots:
    path = ROOT / root
    out += ([str(p.relative_to(ROOT)) for p in sorted(path.glob("*.md"))] if path.is_dir()
            else [root])
  return out


def _squash(text: str) -> str:
  return re.sub(r"\s+", " ", text)


def render(text: str) -> str:
  """``text`` with every generated block rewritten from the result files."""
  def fill(m):
    name = m.group(1)
    if name not in BLOCKS:
      raise KeyError(f"no generator for the block {name!r}")
    return f"<!-- figures:{name} -->\n{BLOCKS[name]()}\n<!-- /figures:{name} -->"
  return BLOCK.sub(fill, text)


def block_errors(docs: dict[str, str]) -> list[str]:
  errors, used = [], set()
  for doc, text in docs.items():
    for m in BLOCK.finditer(text):
      used.add(m.group(1))
      want = BLOCKS[m.group(1)]() + "\n" if m.group(1) in BLOCKS else None
      if want is None:
        errors.append(f"{doc}: no generator for the block {m.group(1)!r}")
      elif m.group(2) != want:
        errors.append(f"{doc}: the block {m.group(1)!r} differs from its result files "
                      "(python -m tests.readme_figures --write)")
  errors += [f"the generated table {name!r} is in no doc" for name in set(BLOCKS) - used]
  return errors


def quote_errors(docs: dict[str, str], checked: Sequence[Quote]) -> list[str]:
  errors = []
  squashed = {doc: _squash(text) for doc, text in docs.items()}
  for quote in checked:
    if quote.doc not in squashed:
      errors.append(f"{quote.doc}: missing (quoted: {quote.text!r})")
      continue
    expected = _squash(quote.expected())
    if expected not in squashed[quote.doc]:
      errors.append(f"{quote.doc}: does not say {expected!r} (the result files give that; "
                    f"the text was {quote.text!r})")
  return errors


# A figure: two or more significant digits with a decimal point or an exponent, or any
# percentage or ratio written as "1.7x".
FIGURE = re.compile(r"(?<![\w.])[-+−]?(?:\d+\.\d+(?:e[-+]?\d+)?(?![.\d])|\d+(?:\.\d+)?e[-+]?\d+|"
                    r"\d+(?:\.\d+)?(?=%)|\d+(?:\.\d+)?(?=x\b))%?")
SETTINGS = {  # numbers that are settings or constants of the method, not measured figures
    "0.99", "0.999", "0.9999", "0.99999", "0.999999", "3.10",
    "0.11", "2.0"}


def _significant(token: str) -> int:
  mantissa = token.lstrip("-+−").rstrip("%").split("e")[0].replace(".", "").lstrip("0")
  return len(mantissa)


def stray_figures(docs: dict[str, str], checked: Sequence[Quote]) -> list[str]:
  """Figures in the NET_DOCS that no quote or generated block accounts for."""
  errors = []
  for doc, text in docs.items():
    if not any(doc == d or doc.startswith(d + "/") for d in NET_DOCS):
      continue
    text = _squash(BLOCK.sub(" ", re.sub(r"```.*?```", " ", text, flags=re.DOTALL)))
    for quote in checked:
      if quote.doc == doc:
        text = text.replace(_squash(quote.expected()), " ")
    text = re.sub(r"`[^`]*`", " ", text)            # code
    text = re.sub(r"\]\([^)]*\)", "]", text)         # link targets
    for token in FIGURE.findall(text):
      bare = token.lstrip("-+−").rstrip("%")
      if bare in SETTINGS:
        continue
      if token.endswith("%") or re.search(re.escape(bare) + r"x\b", text) or (
          _significant(bare) >= 2 and "e" not in bare):
        errors.append(f"{doc}: the figure {token!r} is not checked against a result file "
                      "(add a Quote in tests/readme_figures.py)")
  return errors


def generated_benchmark_section() -> list[str]:
  """benchmarks/README.md's results section against the code that writes it."""
  sys.path.insert(0, str(ROOT))
  from benchmarks import run_all  # pylint: disable=import-outside-toplevel
  results = {}
  for backend in ("cpu", "gpu"):
    found = {n: r for n in run_all.BENCHMARKS if (r := run_all.load(n, backend)) is not None}
    if found:
      results[backend] = found
  text = _text("benchmarks/README.md")
  section = text[text.index(run_all.BEGIN) + len(run_all.BEGIN):text.index(run_all.END)]
  if section.strip() != run_all.table(results).strip():
    return ["benchmarks/README.md: the results section differs from the result files "
            "(python -m benchmarks.run_all --table-only)"]
  return []


def load_docs() -> dict[str, str]:
  return {doc: (ROOT / doc).read_text() for doc in _docs(CHECKED_DOCS)}


def errors(docs: dict[str, str] | None = None) -> list[str]:
  docs = load_docs() if docs is None else docs
  checked = quotes()
  return block_errors(docs) + quote_errors(docs, checked) + stray_figures(docs, checked)


def write() -> None:
  for doc, text in load_docs().items():
    new = render(text)
    if new != text:
      (ROOT / doc).write_text(new)
      print(f"rewrote the generated tables in {doc}")


def main(argv=None) -> int:
  argv = sys.argv[1:] if argv is None else argv
  if "--write" in argv:
    write()
  found = errors() + generated_benchmark_section()
  for line in found:
    print(line)
  return 1 if found else 0


if __name__ == "__main__":
  sys.exit(main())
