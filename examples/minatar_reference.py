"""R_ref of the MinAtar yardstick, measured from a from-scratch run of the reset oracle.

    python -m examples.minatar_reference --reference-from FOLDER [--out PATH]

Writes `results/minatar_reference/reference.json`: per game, the mean over seeds
of the per-update return over the last tenth of a from-scratch visit
(`REFERENCE_TAIL`), the reference return R_ref that `examples.yardstick` reads
for a game gymnax publishes no PPO return for (Seaquest), beside the published
one where there is one.
"""

import os
import sys
from typing import Optional, Sequence

import numpy as np

from examples import files, run_folder, scoring
from examples.cli import Parser, unwritable
from examples.minatar_random import provenance
from examples.yardstick import PUBLISHED_RETURNS, REFERENCE_JSON

REFERENCE_TAIL = 0.1  # R_ref averages the last tenth of the from-scratch visit's updates


def reference_from_run(folder: str, tail: float = REFERENCE_TAIL
                       ) -> tuple[dict[str, dict], dict]:
  """R_ref per game from a finished run of the reset oracle (one visit per game).

  Each seed's score on a game is the mean per-update return (`examples.scoring.
  update_returns`) over the last `tail` of the visit's updates; R_ref is the
  mean over seeds.

  Args:
    folder: a run folder of `examples.lifelong` with the "reset" method, one
      cycle, one learning rate.
    tail: the fraction of each visit's last updates that is averaged.

  Returns:
    ({game: {"reference", "per_seed", "env_steps", "updates_averaged", "source"}},
    {"command", "code"} of the run).

  Raises:
    ValueError: the folder is not such a run.
  """
  grid, saved, schedule, steps_per_update = run_folder.load(folder)
  if "reset" not in grid.metrics or len(grid.configs["reset"]) != 1:
    raise ValueError(f"{folder} is not a run of the reset oracle at one setting")
  if schedule.num_cycles != 1 or saved.get("mode") != "games":
    raise ValueError(f"{folder} is not a one-cycle game sequence")
  per_update = scoring.update_returns(grid.metrics["reset"])[:, 0]  # [seeds, updates]
  count = max(1, round(tail * schedule.updates_per_task))
  steps = schedule.updates_per_task * steps_per_update
  out = {}
  for seg in schedule.segments():
    per_seed = np.nanmean(per_update[:, seg.stop - count:seg.stop], axis=-1)
    out[saved["task_names"][seg.task]] = {
        "reference": float(per_seed.mean()),
        "per_seed": [float(v) for v in per_seed],
        "env_steps": steps,
        "updates_averaged": count,
        "source": f"our PPO from scratch, {steps / 1e6:.1f}M steps",
    }
  return out, {"command": saved.get("command"), "code": saved.get("code")}


def main(argv: Optional[Sequence[str]] = None) -> dict:
  prog = "python -m examples.minatar_reference"
  parser = Parser(prog=prog, description="The reference return R_ref of each game of a "
                  "from-scratch run, written as JSON.")
  parser.add_argument("--reference-from", required=True, metavar="FOLDER",
                      help="a finished one-cycle run of the reset oracle (python -m "
                      "examples.lifelong --games ... --cycles 1 --optimizers reset)")
  parser.add_argument("--out", default=REFERENCE_JSON,
                      help=f"JSON path (default {REFERENCE_JSON})")
  args = parser.parse_args(argv)
  out = args.out
  if os.path.isdir(out):
    parser.error(f"--out {out} is a folder, not a file")
  why = unwritable(os.path.dirname(out) or ".")
  if why:
    parser.error(f"--out {out}: {why}")
  try:
    games, run = reference_from_run(args.reference_from)
  except ValueError as e:
    parser.error(str(e))
  for game, entry in games.items():
    entry["published"] = PUBLISHED_RETURNS.get(game)
    seeds = ", ".join(f"{v:.2f}" for v in entry["per_seed"])
    print(f"{game}: R_ref {entry['reference']:.2f} (seeds {seeds}; gymnax-blines "
          f"{entry['published']})", file=sys.stderr)
  saved = {"what": "R_ref: the mean over seeds of the per-update return over the last "
                   f"{REFERENCE_TAIL:g} of a from-scratch visit of each game (reset oracle, "
                   "Adam); 'published' is gymnax-blines' PPO return, for comparison",
           **provenance(prog, argv), "run": args.reference_from,
           "run_command": run.get("command"), "run_code": run.get("code"), "games": games}
  os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
  files.write_json(out, saved)
  return saved


if __name__ == "__main__":
  main()
