"""The benchmarks' result files: strict JSON, kept per backend, read back into one table."""

import copy
import glob
import json
import math
import os

import jax
import pytest

from benchmarks import _timing, run_all

RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "benchmarks", "results")


def _strict_load(path):
  def reject(constant):
    raise ValueError(f"{path}: {constant} is not JSON")
  with open(path) as f:
    return json.load(f, parse_constant=reject)


def test_write_json_writes_non_finite_floats_as_null(tmp_path):
  path = tmp_path / "r.json"
  _timing.write_json(str(path), {"nan": math.nan, "inf": [1.0, -math.inf], "ok": 2.5,
                                 "nested": {"t": (math.inf, "x")}})
  assert _strict_load(path) == {"nan": None, "inf": [1.0, None], "ok": 2.5,
                                "nested": {"t": [None, "x"]}}


def test_committed_result_files_are_strict_json():
  paths = glob.glob(os.path.join(RESULTS, "**", "*.json"), recursive=True)
  assert paths
  for path in paths:
    _strict_load(path)


def test_result_files_are_kept_per_backend():
  assert _timing.result_path("step", "cpu") == os.path.join(RESULTS, "cpu", "step.json")
  assert _timing.result_path("step", "gpu") == os.path.join(RESULTS, "gpu", "step.json")
  assert _timing.result_path("step") == _timing.result_path("step", jax.default_backend())
  assert not glob.glob(os.path.join(RESULTS, "*.json"))  # nothing outside a backend folder


def _committed_cpu_results():
  results = {name: r for name in run_all.BENCHMARKS
             if (r := run_all.load(name, "cpu")) is not None}
  if not {"erfi", "step", "anchor"} <= set(results):
    pytest.fail("the committed CPU results of erfi, step and anchor are missing")
  return results


def test_table_has_a_gpu_column_that_says_not_measured_without_gpu_files():
  text = run_all.table({"cpu": _committed_cpu_results()})
  assert "| figure | goal | CPU | met? | GPU | met? |" in text
  assert "GPU: not measured yet." in text
  assert "### step (cpu)" in text and "### step (gpu)" not in text


def test_table_reads_gpu_figures_from_the_gpu_files():
  cpu = _committed_cpu_results()
  gpu = copy.deepcopy(cpu)
  gpu["erfi"]["speedup_over_reference_jax"]["float32"] = 123.0
  text = run_all.table({"cpu": cpu, "gpu": gpu})
  row = next(line for line in text.splitlines() if line.startswith("| erfi float32 throughput"))
  cells = [c.strip() for c in row.strip("|").split("|")]
  assert cells[2] == f"{cpu['erfi']['speedup_over_reference_jax']['float32']:.1f}x"
  assert cells[4] == "123.0x"
  assert "### erfi (gpu)" in text and "not measured yet" not in text
