"""Our runs of the published continual Gym-control protocol, held against the published table.

    python -m examples.published runs/published-CartPole-v1 runs/published-Acrobot-v1 \\
        --out examples/results/published
    python -m examples.published --reproduce CartPole-v1 Acrobot-v1 --out runs/published

With `--reproduce ENV [ENV ...]` it first trains the grids of those environments'
tables (`examples.reproduce.GRIDS`: CartPole-v1, Acrobot-v1, MountainCar-v0) one
after the other into `--runs` (default runs/), keeping a finished run folder and
resuming an interrupted one, so the same command again picks up where it stopped;
it prints the plan and an estimate of its time first (`--plan`: only that), then
compares the folders as below.

Each folder is a run of `python -m examples.lifelong --preset published --levels 10
--steps-per-level 160000 ...` (10 levels x 200 updates of 800 env steps). The
score is the published one, C-CHAIN's Eq. 1: a seed's mean over all 2,000 updates
of each update's mean episode return (`examples.stats`, "updates"). Per
environment and method, the table puts side by side the published mean +- SE, ours
(mean +- SE, the mean's and the IQM's 95% stratified-bootstrap intervals), and a
verdict: "agrees" when the two means are within two standard errors of each other
(both errors combined, sqrt(SE_ours^2 + SE_published^2)), else "ours higher" or
"ours lower". Then the probability that TRAC improves on each other method, and
performance profiles (rliable).

Writes comparison.md, comparison.json, curves.png (every update, like the published
figures) and profiles.png to `--out`.
"""

import math
import os
from typing import Optional, Sequence

import numpy as np

from examples import figures_published, files, reproduce, run_folder, run_status, scoring, stats
from examples.cli import Parser, check_out_folder, command_line
from examples.summary_fields import method_label

# C-CHAIN (Tang et al., ICML 2025, arXiv 2506.00592), Table 1: mean +- standard error over
# 6 seeds of the whole-run score, Adam at lr 1e-3 for every method.
C_CHAIN = {
    "CartPole-v1": {"reset": (299.9, 6.0), "adam": (61.8, 6.9), "trac": (217.4, 26.3),
                    "l2_init": (266.1, 5.3), "weight_clip": (154.3, 16.0)},
    "Acrobot-v1": {"reset": (-125.7, 8.3), "adam": (-372.7, 3.3), "trac": (-166.6, 8.9),
                   "l2_init": (-134.0, 14.3), "weight_clip": (-118.8, 13.4)},
    "LunarLander-v2": {"reset": (1.1, 2.0), "adam": (-499.4, 19.6), "trac": (-58.1, 17.5),
                       "l2_init": (-6.7, 5.9), "weight_clip": (-58.6, 2.9)},
    # C-CHAIN's figure 3 labels this run "MountainCar-v0_ls400_on0.02": in the flags of its
    # control_train_aligned_*.py, 400 PPO iterations per level (--level_switch 400, so 5
    # levels in its 2,000 iterations) and observation offsets of std 0.02
    # (--obs_perturb_range 0.02); episodes run to its 400-step cap (its loop ignores gym's
    # 200-step truncation).
    "MountainCar-v0": {"reset": (-322.6, 9.4), "adam": (-346.6, 4.6), "trac": (-400.0, 0.01),
                       "l2_init": (-369.4, 27.9), "weight_clip": (-267.9, 6.9)},
}
C_CHAIN_LR = 1e-3
# The TRAC notebook's committed logs (github ComputationalRobotics/TRAC,
# logs/{base,trac}_reward_log_<env>_2024.txt): one seed, lr 1e-2, two episodes per
# update; the mean of the first 2,000 logged updates (the files hold appended runs).
NOTEBOOK = {
    "CartPole-v1": {"adam": 19.3, "trac": 81.9},
    "Acrobot-v1": {"adam": -396.5, "trac": -183.5},
    "LunarLander-v2": {"adam": -388.1, "trac": -178.0},
}
NOTEBOOK_LR = 1e-2
CELLS = ("reset", "adam", "trac", "l2_init", "weight_clip")  # the published table's columns
NOT_IN_GYMNAX = {"LunarLander-v2": "gymnax has no LunarLander"}


def whole_run_scores(folder: str) -> tuple[str, dict, dict]:
  """A run folder's environment, {method: [{setting, per-seed whole-run scores, per-update
  returns}]}, and its saved JSON; the score is recomputed from the curves with the
  published averaging."""
  grid, saved, schedule, _ = run_folder.load(folder)
  env = saved.get("env") or saved["tasks"].split(",")[0]
  out = {}
  for name, metrics in grid.metrics.items():
    segments = scoring.segment_scores(metrics, schedule, "updates")  # [seeds, settings, segs]
    whole = scoring.whole_run(segments)
    per_update = scoring.update_returns(metrics)  # [seeds, settings, updates]
    out[name] = [{"setting": setting, "per_seed": whole[:, j], "curves": per_update[:, j],
                  "updates_per_level": schedule.updates_per_task}
                 for j, setting in enumerate(grid.configs[name])]
  return env, out, saved


def pick(settings: list[dict], lr: float) -> Optional[dict]:
  """The setting at `lr` with the highest mean (the best of a strength grid), or None."""
  at_lr = [s for s in settings if math.isclose(s["setting"]["lr"], lr, rel_tol=1e-6)]
  return max(at_lr, key=lambda s: np.nanmean(s["per_seed"])) if at_lr else None


def verdict(ours: tuple[float, float], published: tuple[float, float]) -> tuple[float, str]:
  """(difference over the combined SE, "agrees" | "ours higher" | "ours lower")."""
  se = math.hypot(ours[1], published[1])
  z = (ours[0] - published[0]) / se if se > 0 else math.inf * np.sign(ours[0] - published[0])
  return z, "agrees" if abs(z) <= 2 else ("ours higher" if z > 0 else "ours lower")


def compare(runs: dict[str, dict]) -> dict:
  """The comparison as plain data: per environment, per published cell."""
  envs = {}
  for env in list(C_CHAIN):
    if env not in runs:
      envs[env] = {"available": False,
                   "why": NOT_IN_GYMNAX.get(env, "not run"), "cells": {}, "improvement": []}
      continue
    methods, cells = runs[env], {}
    for name in CELLS:
      for source, lr in (("c_chain", C_CHAIN_LR), ("notebook", NOTEBOOK_LR)):
        chosen = pick(methods.get(name, []), lr)
        notebook = NOTEBOOK.get(env, {})  # the notebook has no MountainCar
        published = C_CHAIN[env].get(name) if source == "c_chain" else (
            None if name not in notebook else (notebook[name], 0.0))
        if published is None:
          continue
        cell = {"published": published[0], "published_se": published[1] if source ==
                "c_chain" else None, "lr": lr}
        if chosen is not None:
          x = np.asarray(chosen["per_seed"], float)
          est = stats.interval_estimates(x[:, None])
          ours = (float(est["mean"][0]), float(est["se"][0]))
          z, word = verdict(ours, published)
          cell.update({
              "setting": chosen["setting"], "seeds": int(np.isfinite(x).sum()),
              "mean": ours[0], "se": ours[1],
              "mean_ci95": [float(est["mean_low"][0]), float(est["mean_high"][0])],
              "iqm": float(est["iqm"][0]),
              "iqm_ci95": [float(est["iqm_low"][0]), float(est["iqm_high"][0])],
              "z": z, "verdict": word, "per_seed": x.tolist()})
        cells[f"{name}@{source}"] = cell
    improvement = []
    for lr in sorted({c["setting"]["lr"] for c in methods.get("trac", [])}):
      trac = pick(methods.get("trac", []), lr)
      if trac is None:
        continue
      for name, settings in methods.items():
        other = pick(settings, lr)
        if name == "trac" or other is None:
          continue
        p, low, high = stats.probability_of_improvement(trac["per_seed"], other["per_seed"])
        improvement.append({"lr": lr, "other": name, "other_setting": other["setting"],
                            "p": p, "ci95": [low, high]})
    envs[env] = {"available": True, "cells": cells, "improvement": improvement}
  return envs


def _fmt(x: Optional[float], digits: int = 1) -> str:
  return "n/a" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def markdown(envs: dict, command: str, about: list[str]) -> str:
  lines = [
      "# The published continual Gym-control table, and ours", "",
      f"`{command}`", "",
      *about, "",
      "Whole-run score: a seed's mean over all its updates (2,000 in the protocol) of each "
      "update's mean episode return (C-CHAIN's Eq. 1). Published: C-CHAIN Table 1 "
      "(6 seeds, mean ± SE, lr 1e-3); "
      "the TRAC notebook's committed single-seed logs (lr 1e-2; two episodes per update, not "
      "800 steps). Ours: mean ± SE over seeds, the mean's and the IQM's 95% "
      "stratified-bootstrap intervals (rliable). Verdict: within two standard errors of the "
      "published value, both errors combined (a single-seed value has no error of its own).",
      "",
      "| env | method | source, lr | published | ours: mean ± SE (seeds) | mean [95%] | "
      "IQM [95%] | (ours − published) / SE | verdict |",
      "|---|---|---|---|---|---|---|---|---|"]
  for env, e in envs.items():
    if not e["available"]:
      lines.append(f"| {env} | all | C-CHAIN | see above | {e['why']} | | | | not run |")
      continue
    for key, c in e["cells"].items():
      name, source = key.split("@")
      pub = (f"{_fmt(c['published'])} ± {_fmt(c['published_se'])}"
             if c["published_se"] is not None else f"{_fmt(c['published'])} (1 seed)")
      src = ("C-CHAIN" if source == "c_chain" else "notebook") + f", {c['lr']:g}"
      if "mean" not in c:
        lines.append(f"| {env} | {method_label(name)} | {src} | {pub} | not run | | | | |")
        continue
      lines.append(
          f"| {env} | {method_label(name, c['setting'])} | {src} | {pub} | "
          f"{_fmt(c['mean'])} ± {_fmt(c['se'])} "
          f"({c['seeds']}) | {_fmt(c['mean'])} [{_fmt(c['mean_ci95'][0])}, "
          f"{_fmt(c['mean_ci95'][1])}] | {_fmt(c['iqm'])} [{_fmt(c['iqm_ci95'][0])}, "
          f"{_fmt(c['iqm_ci95'][1])}] | {_fmt(c['z'], 2)} | {c['verdict']} |")
  lines += ["", "Probability that a seed of TRAC(Adam) scores above a seed of the other "
            "method, same lr [95% stratified-bootstrap interval]:", "",
            "| env | lr | other method | P(TRAC > other) |", "|---|---|---|---|"]
  for env, e in envs.items():
    for r in e["improvement"]:
      lines.append(f"| {env} | {r['lr']:g} | {method_label(r['other'], r['other_setting'])} | "
                   f"{r['p']:.2f} [{r['ci95'][0]:.2f}, {r['ci95'][1]:.2f}] |")
  return "\n".join(lines) + "\n"


def chosen_at(runs: dict[str, dict], lr: float) -> dict[str, dict[str, dict]]:
  """The setting of each method at one learning rate, as the figures draw them.

  Args:
    runs: {env: {method: [settings, as `whole_run_scores` gives them]}}.
    lr: the learning rate.

  Returns:
    {env: {method: the setting `pick` chooses}}; methods not run at `lr` are
    left out.
  """
  return {env: {name: c for name, settings in methods.items()
                if (c := pick(settings, lr)) is not None}
          for env, methods in runs.items()}


def main(argv: Optional[Sequence[str]] = None) -> dict:
  parser = Parser(prog="python -m examples.published",
                  description="Our runs of the published continual Gym-control protocol "
                  "beside the published table.")
  parser.add_argument("folders", nargs="*", help="run folders of examples.lifelong "
                      "--preset published, one or more per environment (or --reproduce)")
  parser.add_argument("--out", required=True, help="output folder (one that holds results "
                      "is refused unless --overwrite is given)")
  parser.add_argument("--overwrite", action="store_true",
                      help="where --out holds results, move them aside to "
                      "<out>.replaced-<time> (nothing is deleted)")
  reproduce.add_flags(parser)
  args = parser.parse_args(argv)
  if reproduce.requested(parser, args):
    folders = reproduce.main(parser, args)  # the grids, trained (None: only the plan)
    if folders is None:
      return {}
    args.folders = folders
  check_out_folder(parser, args.out, args.overwrite)
  runs, about = {}, []
  for folder in args.folders:
    try:
      env, methods, saved = whole_run_scores(folder)
    except ValueError as error:  # no results, or no curves
      parser.error(str(error))
    if saved.get("preset") != "published":
      parser.error(f"{folder} was run with preset {saved.get('preset')!r}, not 'published' "
                   "(the ablations' folders are read with examples.combine)")
    for name, settings in methods.items():
      runs.setdefault(env, {}).setdefault(name, []).extend(settings)
    if saved.get("wall_time_s"):
      about.append(f"- `{folder}`: `{saved['command']}` (code {saved['code']['commit']}, "
                   f"{saved['wall_time_s'] / 60:.0f} min on {saved['backend']})")
    else:  # a folder of examples.combine: the runs it combines
      commands = saved.get("commands", [])
      codes = saved.get("run_codes") or [None] * len(commands)
      walls = saved.get("run_wall_times_s") or [None] * len(commands)
      for command, code, wall in zip(commands, codes, walls):
        took = f", {wall / 60:.0f} min on {saved['backend']}" if wall else ""
        commit = f"code {code['commit']}" if code else "code not recorded"
        about.append(f"- `{folder}` combines `{command}` ({commit}{took})")
  envs = compare(runs)
  command = command_line("python -m examples.published", argv)
  if args.overwrite:
    run_status.set_aside(args.out)
  os.makedirs(args.out, exist_ok=True)
  text = markdown(envs, command, about)
  with open(os.path.join(args.out, "comparison.md"), "w") as f:
    f.write(text)
  files.write_json(os.path.join(args.out, "comparison.json"),
                   {"command": command, "folders": list(args.folders),
                    "code": run_status.code_version(), "environments": envs})
  chosen = chosen_at(runs, C_CHAIN_LR)
  figures_published.plot_profiles(os.path.join(args.out, "profiles.png"), chosen, C_CHAIN_LR)
  figures_published.plot_published_curves(os.path.join(args.out, "curves.png"), chosen, C_CHAIN_LR)
  print(text)
  return envs


if __name__ == "__main__":
  main()
