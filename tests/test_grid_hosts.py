"""examples/runner.py across hosts: two processes share one grid, to the numbers of one."""

import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
