"""examples/shifts.py and examples/lifelong.py: the shift wrapper, the schedule, the CLI."""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_enable_concurrency_optimized_scheduler=false")

import json
import subprocess
import sys

import gymnax
import jax
import numpy as np
import pytest
from gymnax.wrappers.purerl import FlattenObservationWrapper

from examples import lifelong
from examples.shifts import SHIFT_KINDS, ShiftObservationWrapper, sample_shifts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _envs(name="Acrobot-v1"):
  base, base_params = gymnax.make(name)
  base = FlattenObservationWrapper(base)
  return base, ShiftObservationWrapper(base), base_params


def _expected(obs, params, level):
  """The transform of `level`, written out per kind, independently of the wrapper."""
  return np.asarray(params.gain[level]) * np.asarray(obs)[np.asarray(params.perm[level])] \
      + np.asarray(params.offset[level])


@pytest.mark.parametrize("kind", SHIFT_KINDS)
def test_shift_wrapper_transforms_observations_inside_jit(kind):
  base, shifted, base_params = _envs()
  obs_dim = 6
  params = sample_shifts(jax.random.key(0), kind, 4, obs_dim, 2.0, base_params)

  @jax.jit
  def both(key, level):
    level_params = params.replace(level=level)
    obs, state = base.reset(key, base_params)
    obs_s, state_s = shifted.reset(key, level_params)
    step = base.step(key, state, 1, base_params)
    step_s = shifted.step(key, state_s, 1, level_params)
    return obs, obs_s, step, step_s

  key = jax.random.key(1)
  for level in range(4):
    obs, obs_s, step, step_s = both(key, level)
    np.testing.assert_allclose(obs_s, _expected(obs, params, level), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(step_s[0], _expected(step[0], params, level), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(step_s[5]["final_observation"],
                               _expected(step[5]["final_observation"], params, level),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(step_s[2], step[2])  # reward
    if level == 0:  # level 0 is the plain environment
      np.testing.assert_allclose(obs_s, obs, rtol=1e-6, atol=1e-6)
    else:
      assert not np.allclose(obs_s, obs)


def test_offsets_are_the_papers_gaussian_draws():
  params = sample_shifts(jax.random.key(2), "offset", 201, 6, 2.0, None)
  offsets = np.asarray(params.offset)
  np.testing.assert_array_equal(offsets[0], 0)
  assert abs(offsets[1:].std() - 2.0) < 0.15
  assert len({tuple(row) for row in offsets[1:].round(6)}) == 200  # one draw per level
  np.testing.assert_array_equal(params.perm, np.broadcast_to(np.arange(6), (201, 6)))
  np.testing.assert_array_equal(params.gain, 1)


def test_permute_and_sign_draw_valid_transforms():
  perm = np.asarray(sample_shifts(jax.random.key(3), "permute", 5, 6, 2.0, None).perm)
  assert all(sorted(row) == list(range(6)) for row in perm)
  np.testing.assert_array_equal(perm[0], np.arange(6))
  gain = np.asarray(sample_shifts(jax.random.key(3), "sign", 5, 6, 2.0, None).gain)
  assert set(np.unique(gain)) <= {-1.0, 1.0} and (gain[1:] == -1).any()
  np.testing.assert_array_equal(gain[0], 1)


def test_unknown_shift_kind():
  with pytest.raises(ValueError, match="unknown shift"):
    sample_shifts(jax.random.key(0), "rotate", 2, 4, 1.0, None)


# ---------------------------------------------------------------------------
# Command line


@pytest.mark.parametrize("argv, message", [
    (["--env", "NotAnEnv-v0"], "unknown env"),
    (["--levels", "0"], "--levels must be >= 1"),
    (["--seeds", "0"], "--seeds must be >= 1"),
    (["--lr", "0"], "--lr must be > 0"),
    (["--lr", "1e-3", "-0.01"], "--lr must be > 0"),
    (["--shift", "rotate"], "unknown shift"),
    (["--optimizers", "adam", "sgd"], "unknown optimizer"),
    (["--preset", "huge"], "unknown preset"),
    (["--steps-per-level", "10"], "--steps-per-level must be >="),
    (["--levels", "two"], "invalid int value"),
    (["--env", "Pendulum-v1"], "discrete actions"),
])
def test_cli_rejects_bad_values_with_one_line(argv, message, capsys):
  with pytest.raises(SystemExit) as exit_info:
    lifelong.parse_args(argv)
  assert exit_info.value.code == 2
  err = capsys.readouterr().err
  assert message in err
  assert err.count("\n") == 1, err


def test_cli_exit_status():
  bad = subprocess.run([sys.executable, "-m", "examples.lifelong", "--seeds", "0"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
  assert bad.returncode == 2
  assert bad.stderr == "python -m examples.lifelong: error: --seeds must be >= 1, got 0\n"


def test_cli_help_lists_the_flags(capsys):
  with pytest.raises(SystemExit) as exit_info:
    lifelong.parse_args(["--help"])
  assert exit_info.value.code == 0
  usage = capsys.readouterr().out
  for flag in ("--env", "--levels", "--steps-per-level", "--seeds", "--lr", "--optimizers",
               "--shift", "--shift-scale", "--preset", "--out"):
    assert flag in usage


@pytest.mark.timeout(240)
def test_cli_run_writes_results(tmp_path, capsys):
  out = tmp_path / "run"
  result = lifelong.main(["--levels", "3", "--steps-per-level", "1024", "--seeds", "2",
                          "--lr", "1e-3", "1e-2", "--preset", "purejaxrl",
                          "--progress-every", "1", "--out", str(out)])
  for name in ("curves.png", "sweep.png", "levels.csv", "results.json", "curves.npz"):
    assert (out / name).stat().st_size > 0, name
  for metrics in result["results"].values():
    assert metrics["return"].shape == (2, 2, 6)  # seeds x lrs x updates
    # The level in force follows update // K inside the jitted scan (that the env
    # applies the level it is given is checked above).
    np.testing.assert_array_equal(metrics["level"][0, 0], [0, 0, 1, 1, 2, 2])
  saved = json.loads((out / "results.json").read_text())
  assert saved["lrs"] == [1e-3, 1e-2] and saved["seeds"] == 2
  assert len(saved["levels"]) == 2 * 2 * 4  # optimizers x lrs x (3 levels + whole run)
  assert np.all(np.asarray(saved["final_scale"]["trac"]) > 0)
  captured = capsys.readouterr()
  assert "whole run" in captured.out and "TRAC(Adam)" in captured.out
  assert "update" in captured.err  # the progress display
