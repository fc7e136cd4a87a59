"""examples/grid.py: a grid split over devices gives the same runs as on one device."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from examples.grid import device_mesh, seed_key_array

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs in a fresh process with 4 simulated CPU devices (the flag must be set
# before jax starts). Odd run counts: adam 3 seeds x 1 lr = 3 runs, trac 3 x 2 = 6.
SCRIPT = r"""
import json, sys
import jax, numpy as np
from examples.grid import device_mesh, run_grid
from examples.methods import METHODS
from examples.networks import NetworkSpec
from examples.ppo import PPOConfig
from examples.shifts import shift_tasks
from examples.tasks import Schedule

assert len(jax.devices()) == 4, jax.devices()
config = PPOConfig(num_envs=2, num_steps=16, num_epochs=1, num_minibatches=2, probe_size=8)
tasks = shift_tasks("CartPole-v1", "offset", 2)
network = NetworkSpec("mlp", (8,)).build(2)

def grid(devices, lrs):
  return run_grid(tasks, Schedule.levels(2, 2), config, network,
                  [METHODS["adam"], METHODS["trac"]], lrs, 3, seed=7, progress=False,
                  mesh=device_mesh(devices))

out = {}
for devices in (1, 4):
  g = grid(devices, [1e-3, 1e-2])
  out[devices] = {"layout": g.layout, "devices": g.devices, "runs": g.runs,
                  "metrics": {n: {k: np.asarray(v, np.float64).tolist() for k, v in m.items()}
                              for n, m in g.metrics.items()}}
# The same seed in a smaller grid (one lr, 3 devices: 3 runs of adam, 3 of trac).
small = grid(3, [1e-3])
out["small"] = {"layout": small.layout,
                "metrics": {n: {k: np.asarray(v, np.float64).tolist() for k, v in m.items()}
                            for n, m in small.metrics.items()}}
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


def test_outputs_are_split_over_the_devices_as_stated(split_runs):
  one, four = split_runs["1"], split_runs["4"]
  assert one["devices"] == 1 and four["devices"] == 4
  assert one["layout"] == {"adam": [6], "trac": [6]}
  # 3 seeds x 2 lrs = 6 runs per method, padded to 8: two per device.
  assert four["runs"] == {"adam": 6, "trac": 6}
  assert four["layout"] == {"adam": [2, 2, 2, 2], "trac": [2, 2, 2, 2]}
  assert split_runs["small"]["layout"] == {"adam": [1, 1, 1], "trac": [1, 1, 1]}


def test_per_run_metrics_do_not_depend_on_the_split(split_runs):
  # The same keys and the same arithmetic: the episodes are identical; reductions over
  # parameters (norms) may round differently in the last bit with another batch layout.
  one, four = split_runs["1"]["metrics"], split_runs["4"]["metrics"]
  for name in one:
    for key in one[name]:
      if key in ("return", "episodes", "task"):
        np.testing.assert_array_equal(four[name][key], one[name][key], err_msg=f"{name} {key}")
      else:
        np.testing.assert_allclose(four[name][key], one[name][key], rtol=1e-6, atol=1e-7,
                                   err_msg=f"{name} {key}")
  # Seed i is the same run in a grid of another shape: lr 1e-3 is setting 0 of both.
  small = split_runs["small"]["metrics"]
  for name in one:
    np.testing.assert_array_equal(np.asarray(small[name]["return"])[:, 0],
                                  np.asarray(one[name]["return"])[:, 0], err_msg=name)


def test_seed_keys_do_not_depend_on_how_many_seeds():
  import jax
  few, many = seed_key_array(3, 2), seed_key_array(3, 5)
  np.testing.assert_array_equal(jax.random.key_data(few), jax.random.key_data(many)[:2])


def test_one_device_needs_no_mesh_and_too_many_are_refused():
  assert device_mesh(1) is None
  with pytest.raises(ValueError, match="--devices must be between 1 and"):
    device_mesh(10_000)


def _free_port() -> int:
  import socket
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def test_two_processes_share_one_grid(tmp_path):
  # Two processes with two simulated CPU devices each, as two hosts would run it: the
  # grid is split over the four devices, process 0 gathers and writes. Its per-seed
  # returns must be those of the same command in one process on one device.
  args = [sys.executable, "-m", "examples.lifelong", "--levels", "2", "--steps-per-level",
          "1024", "--seeds", "3", "--preset", "purejaxrl", "--optimizers", "adam", "trac",
          "--lr", "1e-3", "--progress-every", "0"]
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
  for a, b in zip(shared["summary"]["rows"], alone["summary"]["rows"]):
    assert (a["method"], a["segment"]) == (b["method"], b["segment"])
    assert a["per_seed"] == b["per_seed"], (a["method"], a["segment"])
