"""The benchmarks' command lines: shared flags, one-line errors, where the results go."""

import importlib
import json

import jax
import pytest

from benchmarks import _timing

# Each benchmark with a bad value of one of its own flags.
OWN_FLAG = {
    "anchor": ["--params", "1"],
    "erfi": ["--dtypes", "float16"],
    "least_squares": ["--steps", "many"],
    "minatar": ["--games", "Pong"],
    "misorder": ["--seeds", "0"],
    "network_choice": ["--lrs", "-1e-3"],
    "ppo": ["--seeds", "1", "0.5"],
    "startup": ["--steps", "10", "--warm", "10"],
    "step": ["--sizes", "1e10"],
    "run_all": ["--only", "nope"],
}
TIMED = ("erfi", "minatar", "ppo", "step")  # the ones with --rounds and --warmup
WRITERS = sorted(set(OWN_FLAG) - {"run_all"})  # the ones with --json


def _fails_in_one_line(name, argv, capsys):
  module = importlib.import_module(f"benchmarks.{name}")
  with pytest.raises(SystemExit) as exit_info:
    module.main(argv)
  out, err = capsys.readouterr()
  assert exit_info.value.code == 2
  assert out == ""
  assert err.startswith(f"python -m benchmarks.{name}: error: ") and err.count("\n") == 1, err


@pytest.mark.parametrize("name", sorted(OWN_FLAG))
def test_a_bad_value_of_its_own_flags_is_one_line_and_exit_2(name, capsys):
  _fails_in_one_line(name, OWN_FLAG[name], capsys)


@pytest.mark.parametrize("name", ["ppo", "minatar"])
@pytest.mark.parametrize("argv", [["--optimizers", "trac"], ["--optimizers", "adam", "adam"],
                                  ["--optimizers", "adam", "sgd"]])
def test_the_optimizers_timed_are_checked_before_anything_runs(name, argv, capsys):
  _fails_in_one_line(name, argv + ["--no-rejax"], capsys)


@pytest.mark.parametrize("name", TIMED)
@pytest.mark.parametrize("argv", [["--rounds", "0"], ["--warmup", "-1"], ["--rounds", "2.5"]])
def test_bad_rounds_and_warmup_are_one_line_and_exit_2(name, argv, capsys):
  _fails_in_one_line(name, argv, capsys)


@pytest.mark.parametrize("name", WRITERS)
def test_a_json_path_that_cannot_be_written_is_refused_before_running(name, tmp_path, capsys):
  a_file = tmp_path / "taken"
  a_file.write_text("")
  _fails_in_one_line(name, ["--json", str(a_file / "result.json")], capsys)
  _fails_in_one_line(name, ["--json", str(tmp_path)], capsys)


@pytest.mark.parametrize("name", sorted(OWN_FLAG))
def test_help_names_the_module(name, capsys):
  module = importlib.import_module(f"benchmarks.{name}")
  with pytest.raises(SystemExit) as exit_info:
    module.main(["--help"])
  assert exit_info.value.code == 0
  assert capsys.readouterr().out.startswith(f"usage: python -m benchmarks.{name}")


def test_count_takes_whole_numbers_in_range():
  assert _timing.count(1)("5e5") == 500_000
  assert _timing.count(1000, 10**9)("1e9") == 10**9
  for bad in ("0", "1.5", "nan", "inf", "x"):
    with pytest.raises(Exception, match="whole number|not a number"):
      _timing.count(1)(bad)
  with pytest.raises(Exception, match=r"in \[1000, 1e\+09\]"):
    _timing.count(1000, 10**9)("2e9")


def test_a_tiny_run_writes_its_result_where_results_belong(tmp_path, monkeypatch, capsys):
  """`--json` without a path: results/<backend>/<name>.json, in the committed files' format."""
  from benchmarks import anchor

  with open(_timing.result_path("anchor", "cpu")) as f:
    committed = json.load(f)
  monkeypatch.setattr(_timing, "RESULTS_DIR", str(tmp_path))
  returned = anchor.main(["--steps", "2", "--params", "2", "--json"])
  path = tmp_path / jax.default_backend() / "anchor.json"
  written = json.loads(path.read_text())
  assert written == json.loads(json.dumps(_timing.json_safe(returned)))
  assert list(written) == list(committed) == ["benchmark", "environment", "settings", "cases"]
  assert written["benchmark"] == "anchor"
  assert set(written["environment"]) == set(committed["environment"])
  assert set(written["settings"]) == set(committed["settings"])
  assert written["settings"]["steps"] == 2 and written["settings"]["params"] == 2
  assert [set(case) for case in written["cases"]] == [set(case) for case in committed["cases"]]
  assert list(written["cases"][0]["at_step"]) == ["2"]
  assert capsys.readouterr().out.startswith("anchor error")  # the table, on stdout


def test_the_kernel_count_reads_every_instruction_of_the_entry_computation():
  from benchmarks import kernels
  hlo = """HloModule m

%fused_computation (p0: f32[4], p1: f32[4]) -> f32[] {
  %p0 = f32[4]{0} parameter(0)
  %r = f32[] reduce(f32[4]{0} %p0, f32[] %c), dimensions={0}, to_apply=%add
}

ENTRY %main.2 (a: f32[4], b: f32[4]) -> (f32[4], f32[]) {
  %a = f32[4]{0} parameter(0)
  %fusion = f32[] fusion(f32[4]{0} %a), kind=kLoop, calls=%fused_computation
  %cc = (f32[4]{0}, s8[16]{0}) custom-call(f32[4]{0} %a), custom_call_target="x"
  %gte = f32[4]{0} get-tuple-element((f32[4]{0}, s8[16]{0}) %cc), index=0
  %copy = f32[4]{0} copy(f32[4]{0} %gte)
  ROOT %tuple = (f32[4]{0}, f32[]) tuple(f32[4]{0} %copy, f32[] %fusion)
}
"""
  assert kernels.count_ops(hlo) == {"kernels": 3, "fusions": 1, "reductions": 1,
                                    "custom_calls": 1}


def test_trac_compiles_more_kernels_than_adam_and_fewer_unchecked():
  from benchmarks import kernels
  params = {"w": jax.numpy.ones((8, 8)), "b": jax.numpy.ones((8,))}
  counts = {name: kernels.count_ops(kernels.compiled_step(make, params))
            for name, make in kernels.OPTIMIZERS.items()}
  assert counts["adam"]["reductions"] == 0 and counts["trac"]["reductions"] >= 2  # h per leaf
  assert counts["adam"]["kernels"] < counts["trac_unchecked"]["kernels"] < counts["trac"]["kernels"]


def test_one_flat_buffer_makes_tracs_extra_kernels_the_same_for_any_number_of_leaves():
  from benchmarks import kernels

  def extra(leaves: int, flat: bool) -> int:
    params = {f"w{i}": jax.numpy.ones((8, 4)) for i in range(leaves)}
    adam, trac = ("adam_flat", "trac_flat") if flat else ("adam", "trac")
    count = lambda name: kernels.count_ops(
        kernels.compiled_step(kernels.OPTIMIZERS[name], params))["kernels"]
    return count(trac) - count(adam)

  assert extra(2, flat=True) == extra(6, flat=True)
  assert extra(6, flat=False) > extra(2, flat=False)
