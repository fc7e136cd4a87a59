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
# padded), shrink & perturb (its own key per run) 3 seeds x 1 setting. Two segments of
# the same length, so that each method compiles one program per device.
SCRIPT = r"""
import json, sys
import jax, numpy as np
from examples.grid import run_methods, select_devices
from examples.methods import METHODS
from examples.networks import NetworkSpec
from examples.ppo import PPOConfig, make_train
from examples.shifts import shift_tasks
from examples.tasks import Schedule

assert len(jax.devices()) == 4, jax.devices()
config = PPOConfig(num_envs=2, num_steps=16, num_epochs=1, num_minibatches=2, probe_size=8)
tasks = shift_tasks("CartPole-v1", "offset", 2)
network = NetworkSpec("mlp", (8,)).build(2)
sp = METHODS["shrink_perturb"]
methods = [METHODS["adam"], METHODS["trac"],
           type(sp)(**{**sp.__dict__, "grid": (("shrink", (0.8,)), ("noise", (1e-2,)))})]

# The programs of `run_grid`, made once: each device count then compiles only for the devices
# it adds (a program is compiled once per device it runs on).
programs = {m.name: make_train(config, tasks, network, m.make, Schedule.levels(2, 2),
                               reset_at_switch=m.reset_at_switch).program for m in methods}
out = {}
for devices in (1, 2, 4):
  g = run_methods(programs, methods, [1e-3, 1e-2], 3, seed=7, chunk_size=4, segment_steps=2,
                  devices=select_devices(devices))
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


