"""The continual supervised benchmarks: task generators, the CLI's errors, a smoke run of each."""

import json
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from examples import run_status, supervised, supervised_results, supervised_tasks as st

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A stand-in for MNIST-1D where a test does not need the real data: 40 distinct features.
FAKE = (np.random.default_rng(0).normal(size=(200, 40)).astype(np.float32),
        np.arange(200, dtype=np.int32) % 10)


def _all_steps(bench, world, k, key):
  """Every (x, y) minibatch of task k, stacked: [steps, B, ...]."""
  task = bench.task(world, k)
  return jax.vmap(lambda s: bench.batch(world, task, s))(bench.steps(task, key))


def test_slow_bits_flip_exactly_one_bit_per_task():
  table = np.asarray(st.slow_bits(jax.random.key(3), num_tasks=50))
  assert table.shape == (50, st.NUM_SLOW_BITS) and set(np.unique(table)) <= {0.0, 1.0}
  assert (np.abs(np.diff(table, axis=0)).sum(1) == 1).all()
  # every slow bit gets flipped at some point over many tasks
  assert (np.abs(np.diff(np.asarray(st.slow_bits(jax.random.key(4), 400)), axis=0)).sum(0)
          > 0).all()


def test_regression_inputs_change_exactly_at_the_task_boundary():
  bench = st.regression(num_tasks=4, examples_per_task=40, batch_size=4)
  world = bench.world(jax.random.key(0))
  slow = [np.asarray(_all_steps(bench, world, k, jax.random.key(k))[0])[..., :st.NUM_SLOW_BITS]
          for k in range(4)]
  for k in range(4):  # constant within a task, equal to the task's row
    assert (slow[k].reshape(-1, st.NUM_SLOW_BITS) == np.asarray(world["slow"][k])).all()
  for k in range(1, 4):  # one bit differs from the previous task
    assert np.abs(slow[k][0, 0] - slow[k - 1][0, 0]).sum() == 1
  x, y = _all_steps(bench, world, 0, jax.random.key(9))
  fast = np.asarray(x)[..., st.NUM_SLOW_BITS:]
  assert 0.3 < fast.mean() < 0.7 and len(np.unique(fast.reshape(-1, 5), axis=0)) > 10


def test_ltu_target_by_hand():
  target = st.ltu_target(jax.random.key(1))
  w1, b1 = np.asarray(target["w1"]), np.asarray(target["b1"])
  assert set(np.unique(w1)) == {-1.0, 1.0} and set(np.unique(b1)) <= {-1.0, 1.0}
  tau = st.LTU_BETA * (st.NUM_INPUTS + 1) - (st.NUM_INPUTS - w1.sum(0) + b1) / 2
  np.testing.assert_allclose(np.asarray(target["tau"]), tau)
  x = np.random.default_rng(0).integers(0, 2, (64, st.NUM_INPUTS)).astype(np.float32)
  features = (x @ w1 + b1 > tau).astype(np.float32)
  y = features @ np.asarray(target["w2"]) + float(target["b2"])
  np.testing.assert_allclose(np.asarray(st.ltu_predict(target, jnp.asarray(x))), y)


def test_permutation_is_a_permutation_and_changes_at_each_task():
  bench = st.permuted(num_tasks=3, batch_size=20, data=FAKE)
  world = bench.world(jax.random.key(0))
  x = FAKE[0]
  perms = []
  for k in range(3):
    x_k, y_k = map(np.asarray, bench.task(world, k))
    # recover the permutation column by column: each column of x_k is one of x's
    perm = np.asarray([np.flatnonzero((x == x_k[:, [j]]).all(0))[0] for j in range(40)])
    assert sorted(perm) == list(range(40))
    np.testing.assert_array_equal(x[:, perm], x_k)
    np.testing.assert_array_equal(y_k, FAKE[1])
    perms.append(perm)
  assert all((perms[k] != perms[k - 1]).any() for k in (1, 2))
  # within a task every step sees the same permutation; each epoch visits every example once
  xb, yb = _all_steps(bench, world, 1, jax.random.key(5))
  xb = np.asarray(xb).reshape(-1, 40)
  assert sorted(map(tuple, xb)) == sorted(map(tuple, x[:, perms[1]]))


def test_random_labels_are_reshuffled_per_task():
  bench = st.random_labels(num_tasks=3, subset=100, epochs=2, batch_size=25, data=FAKE)
  world = bench.world(jax.random.key(0))
  labels = []
  for k in range(3):
    x_k, y_k = map(np.asarray, bench.task(world, k))
    np.testing.assert_array_equal(x_k, FAKE[0][:100])  # the inputs stay
    np.testing.assert_array_equal(np.bincount(y_k, minlength=10),
                                  np.bincount(FAKE[1][:100], minlength=10))
    labels.append(y_k)
  assert all((labels[k] != labels[k - 1]).mean() > 0.5 for k in (1, 2))
  assert bench.steps_per_task == 2 * 100 // 25


def test_mnist1d_is_generated_offline_and_cached(tmp_path):
  x, y = st.mnist1d(str(tmp_path))
  assert x.shape == (4000, 40) and y.shape == (4000,) and set(np.unique(y)) == set(range(10))
  x2, _ = st.mnist1d(str(tmp_path))  # from the cache
  np.testing.assert_array_equal(x, x2)


def test_cli_bad_flag_in_a_process():
  run = subprocess.run([sys.executable, "-m", "examples.supervised", "--seeds", "-1"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
  assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr


@pytest.mark.parametrize("argv", [
    ["--benchmark", "regression", "--tasks", "4", "--examples-per-task", "40"],
    ["--benchmark", "permuted", "--tasks", "2", "--batch-size", "200", "--hidden", "8"],
    ["--benchmark", "random_labels", "--tasks", "2", "--subset", "40", "--epochs", "2",
     "--batch-size", "20", "--hidden", "8"],
])
def test_smoke_run(argv, tmp_path):
  out = str(tmp_path / "run")
  result = supervised.main(argv + ["--seeds", "2", "--lr", "1e-3", "--optimizers", "trac", "reset",
                                   "--quiet", "--bootstrap-reps", "20",
                                   "--out", out])
  for name in ("results.json", "tasks.csv", "tables.md", "curves.npz", "curves.png",
               "diagnostics.png"):
    assert os.path.getsize(os.path.join(out, name)) > 0
  with open(os.path.join(out, "results.json")) as f:
    saved = json.load(f)
  tasks = saved["num_tasks"]
  curves = np.load(os.path.join(out, "curves.npz"))
  assert curves["trac/measure"].shape == (2, 1, tasks)
  assert np.isfinite(curves["trac/scale"]).all() and np.isnan(curves["reset/scale"]).all()
  assert {c["method"] for c in saved["summary"]["control"]} == {"trac", "reset"}
  assert saved["summary"]["methods"]["trac"]["shown"]["untuned"]["setting"] == 0
  assert np.isfinite(result["grid"].metrics["reset"]["measure"]).all()
  assert "p_better_than_baseline" not in saved["summary"]["methods"]["trac"]  # no adam here
  redone = supervised_results.redraw_supervised(out, reps=20)  # from curves.npz alone: the same numbers
  assert redone["methods"]["trac"]["whole_run"] == saved["summary"]["methods"]["trac"]["whole_run"]


def test_an_interrupted_run_resumes_to_the_same_numbers(tmp_path, monkeypatch):
  argv = ["--tasks", "4", "--examples-per-task", "40", "--seeds", "3", "--lr", "1e-2",
          "--optimizers", "adam", "trac", "--save-every", "1", "--chunk-size", "2", "--quiet",
          "--bootstrap-reps", "20"]
  supervised.main(argv + ["--out", str(tmp_path / "whole")])

  def interrupt_after_two(folder, segments_done, *rest):
    if segments_done == 2:
      raise KeyboardInterrupt

  with monkeypatch.context() as patch:
    patch.setattr(run_status, "progress", interrupt_after_two)
    with pytest.raises(KeyboardInterrupt):
      supervised.main(argv + ["--out", str(tmp_path / "cut")])
  assert run_status.read_status(str(tmp_path / "cut"))["state"] == "interrupted"
  supervised.main(["--resume", str(tmp_path / "cut")])
  whole, resumed = np.load(tmp_path / "whole" / "curves.npz"), np.load(tmp_path / "cut" / "curves.npz")
  for key in whole.files:
    np.testing.assert_array_equal(resumed[key], whole[key], err_msg=key)
