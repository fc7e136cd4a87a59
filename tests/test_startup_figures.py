"""The first-steps figures the README quotes are what benchmarks.startup computes today."""

import json
import os

import numpy as np

from benchmarks import startup

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_committed_first_steps_of_adam_are_reproduced():
  with open(os.path.join(ROOT, "benchmarks", "results", "cpu", "startup.json")) as f:
    committed = json.load(f)
  settings = committed["settings"]
  # One inner, the smallest and largest s_prev: a quarter of the committed grid.
  rows = startup.grid("adam", lrs=settings["lrs"], s_prevs=(1e-8, 1e-2), seeds=settings["seeds"],
                      steps=settings["steps"])
  by_key = {(r["inner"], r["lr"], r["s_prev"]): r for r in committed["grid"]}
  for row in rows:
    saved = by_key[(row["inner"], row["lr"], row["s_prev"])]
    for threshold in ("steps_to_S_0.1", "steps_to_S_1"):
      assert row[threshold] == saved[threshold], (row["lr"], row["s_prev"], threshold)
    for key in ("S_at", "loss_at", "inner_alone_loss_at"):
      np.testing.assert_allclose([row[key][t] for t in saved[key]], list(saved[key].values()),
                                 rtol=1e-4, err_msg=f"{row['lr']} {row['s_prev']} {key}")
