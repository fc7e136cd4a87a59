"""examples/grid.py and examples/runner.py: a run's numbers do not depend on the devices."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from examples import runner
from examples.grid import select_devices, seed_key_array

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs in a fresh process with 4 simulated CPU devices (the flag must be set
# before jax starts). Odd counts: adam 3 seeds x 2 lrs = 6 runs in chunks of 4 (one
# padded), shrink & perturb (its own key per run) 3 seeds x 1 setting.
SCRIPT = r"""
import json, sys
import jax, numpy as np
from examples.grid import run_grid, select_devices
from examples.methods import METHODS
from examples.networks import NetworkSpec
from examples.ppo import PPOConfig
from examples.shifts import shift_tasks
from examples.tasks import Schedule

assert len(jax.devices()) == 4, jax.devices()
config = PPOConfig(num_envs=2, num_steps=16, num_epochs=1, num_minibatches=2, probe_size=8)
tasks = shift_tasks("CartPole-v1", "offset", 2)
network = NetworkSpec("mlp", (8,)).build(2)
sp = METHODS["shrink_perturb"]
methods = [METHODS["adam"], METHODS["trac"],
           type(sp)(**{**sp.__dict__, "grid": (("shrink", (0.8,)), ("noise", (1e-2,)))})]

out = {}
for devices in (1, 2, 4):
  g = run_grid(tasks, Schedule.levels(2, 2), config, network, methods, [1e-3, 1e-2], 3, seed=7,
               chunk_size=4, segment_steps=3, devices=select_devices(devices))
  out[devices] = {"layout": g.layout, "devices": g.devices, "runs": g.runs,
                  "metrics": {n: {k: np.asarray(v, np.float64).tolist() for k, v in m.items()}
                              for n, m in g.metrics.items()}}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def split_runs():
  env = dict(os.environ)
  env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") +
                      " --xla_force_host_platform_device_count=4").strip()
  done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True,
                        text=True, timeout=840)
  assert done.returncode == 0, done.stderr[-3000:]
  return json.loads(done.stdout.splitlines()[-1])


def test_runs_are_cut_into_chunks_of_the_size_asked(split_runs):
  for devices in ("1", "2", "4"):
    assert split_runs[devices]["devices"] == int(devices)
    assert split_runs[devices]["runs"] == {"adam": 6, "trac": 6, "shrink_perturb": 6}
    assert split_runs[devices]["layout"] == {"adam": [4, 4], "trac": [4, 4],
                                             "shrink_perturb": [4, 4]}


def test_per_run_metrics_are_identical_on_1_2_and_4_devices(split_runs):
  one = split_runs["1"]["metrics"]
  for devices in ("2", "4"):
    other = split_runs[devices]["metrics"]
    assert other.keys() == one.keys()
    for name in one:
      for key in one[name]:  # bitwise, every metric (NaN where there is none, e.g. S of adam)
        np.testing.assert_array_equal(other[name][key], one[name][key],
                                      err_msg=f"{devices} devices: {name} {key}")


def test_chunks_are_dealt_to_devices_in_turn():
  layout = runner.Layout({"adam": 4, "trac": 2}, {"adam": 3, "trac": 1}, devices=2)
  assert layout.units() == [("adam", 0), ("adam", 1), ("adam", 2), ("trac", 0)]
  assert layout.runs_per_device() == [8, 6]
  assert runner.segments(7, 3) == [(0, 3), (3, 6), (6, 7)]
  with pytest.raises(ValueError, match="segment_steps must be >= 1"):
    runner.segments(7, 0)


def test_seed_keys_do_not_depend_on_how_many_seeds():
  import jax
  few, many = seed_key_array(3, 2), seed_key_array(3, 5)
  np.testing.assert_array_equal(jax.random.key_data(few), jax.random.key_data(many)[:2])


def test_too_many_devices_are_refused():
  assert len(select_devices(1)) == 1
  with pytest.raises(ValueError, match="--devices must be between 1 and"):
    select_devices(10_000)


def _free_port() -> int:
  import socket
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def test_two_processes_share_one_grid(tmp_path):
  # Two processes with two simulated CPU devices each, as two hosts would run it: the
  # chunks (3 seeds in chunks of 2: two per method) are dealt to the four devices, process
  # 0 gathers and writes. Its numbers must be those of the same command in one process on
  # one device.
  args = [sys.executable, "-m", "examples.lifelong", "--levels", "2", "--steps-per-level",
          "1024", "--seeds", "3", "--preset", "purejaxrl", "--optimizers", "adam", "trac",
          "--lr", "1e-3", "--quiet", "--chunk-size", "2"]
  env = dict(os.environ)
  env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") +
                      " --xla_force_host_platform_device_count=2").strip()
  port = _free_port()
  hosts = [subprocess.Popen(
      args + ["--out", str(tmp_path / "hosts"), "--distributed", "--coordinator",
              f"127.0.0.1:{port}", "--num-processes", "2", "--process-id", str(i)],
      cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
      for i in range(2)]
  single = subprocess.run(args + ["--out", str(tmp_path / "single"), "--devices", "1"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=840)
  assert single.returncode == 0, single.stderr[-2000:]
  for host in hosts:
    _, err = host.communicate(timeout=840)
    assert host.returncode == 0, err[-3000:]
  shared = json.loads((tmp_path / "hosts" / "results.json").read_text())
  alone = json.loads((tmp_path / "single" / "results.json").read_text())
  assert shared["devices"] == 4 and alone["devices"] == 1
  assert shared["summary"]["rows"] == alone["summary"]["rows"]
  hosts_curves = np.load(tmp_path / "hosts" / "curves.npz")
  alone_curves = np.load(tmp_path / "single" / "curves.npz")
  for key in alone_curves.files:  # every metric of every run, bitwise
    np.testing.assert_array_equal(hosts_curves[key], alone_curves[key], err_msg=key)
