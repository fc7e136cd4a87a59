"""gpu/run.sh, the GPU entry point, on its CPU path: installed from wheels without an index, tiny.

The stand-in for a GPU machine is a fresh venv that sees this environment's packages
(jax, flax, optax and the rest) through a .pth file naming a copy of site-packages made
of links, with `six` (which gymnax imports) left out; the wheelhouse holds `six` as a
wheel, repacked from its installed files, and a requirements.txt naming it. The entry
point must install it with `pip --no-index` and then run every phase at toy sizes.
"""

import importlib.metadata as md
import json
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from gpu import label, wheels

ROOT = pathlib.Path(__file__).resolve().parent.parent
RUN = ROOT / "gpu" / "run.sh"


def _repack(dist_name: str, out: pathlib.Path) -> pathlib.Path:
  """An installed pure-Python distribution as a wheel (its files and its dist-info)."""
  dist = md.distribution(dist_name)
  path = out / f"{dist.metadata['Name']}-{dist.version}-py3-none-any.whl"
  with zipfile.ZipFile(path, "w") as z:
    for file in dist.files:
      parts = pathlib.PurePath(file).parts
      if parts[0].startswith("..") or "__pycache__" in parts or parts[-1] in (
          "INSTALLER", "REQUESTED", "direct_url.json"):
        continue
      z.write(dist.locate_file(file), str(file))
  return path


def test_platforms_add_the_older_manylinux_tags():
  tags = wheels.platforms("manylinux_2_28_x86_64")
  assert tags[0] == "manylinux_2_28_x86_64" and tags[-1] == "manylinux1_x86_64"
  assert "manylinux2014_x86_64" in tags and "manylinux_2_17_x86_64" in tags
  assert wheels.platforms("win_amd64") == ["win_amd64"]
  assert wheels.wheel_name("tfp_nightly-0.26.0-py2.py3-none-any.whl") == "tfp-nightly"


def test_the_wheelhouse_is_the_extras_less_what_jax_flax_and_optax_bring():
  needed = wheels.requirements()
  assert "gymnax==1.0.1" in needed and "rejax==0.1.3" in needed and "pytest>=8" in needed
  assert len(needed) == len(set(needed))
  base = wheels.closure(wheels.BASE)
  assert {"jax", "jaxlib", "flax", "optax", "numpy"} <= base
  assert not {"gymnax", "rliable", "matplotlib"} & base


def test_a_machine_without_a_gpu_is_not_labelled_gpu(tmp_path, capsys):
  with pytest.raises(SystemExit) as exit_info:
    label.main([str(tmp_path)])
  assert exit_info.value.code == 2
  assert capsys.readouterr().err.count("\n") == 1
  saved = label.main([str(tmp_path), "--allow-cpu"])
  assert saved["label"] == "CPU" and saved["backend"] == "cpu"
  label.main([str(tmp_path), "--phase", "grid", "12.34"])
  assert json.loads((tmp_path / "device.json").read_text())["phases_s"] == {"grid": 12.3}


def test_bad_command_lines_are_one_line_and_exit_2(tmp_path):
  (tmp_path / "file").write_text("")
  for argv, env in ((["--tiny"], {}), ([str(tmp_path / "o"), "--fast"], {}),
                    ([str(tmp_path / "o")], {"WHEELS": str(tmp_path)}),
                    ([str(tmp_path / "file"), "--tiny"], {"WHEELS": str(tmp_path)})):
    (tmp_path / "requirements.txt").unlink(missing_ok=True)
    if argv[0].endswith("file"):
      (tmp_path / "requirements.txt").write_text("six\n")
    out = subprocess.run(["bash", str(RUN), *argv], capture_output=True, text=True,
                         env={**os.environ, **env}, timeout=60)
    assert out.returncode == 2, (argv, out.stderr)
    assert out.stderr.startswith("gpu/run.sh: error: ") and out.stderr.count("\n") == 1


def test_the_cpu_path_installs_from_wheels_without_an_index_and_runs_a_tiny_grid(tmp_path):
  site = pathlib.Path(sysconfig.get_paths()["purelib"])
  base = tmp_path / "base"
  base.mkdir()
  for entry in site.iterdir():
    if not entry.name.startswith(("six-", "six.py")) and not entry.name.endswith(".pth"):
      (base / entry.name).symlink_to(entry)
  venv = tmp_path / "venv"
  subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=240)
  python = venv / "bin" / "python"
  purelib = pathlib.Path(subprocess.run(
      [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
      capture_output=True, text=True, check=True).stdout.strip())
  (purelib / "base.pth").write_text(f"{base}\n")
  house = tmp_path / "wheels"
  house.mkdir()
  _repack("six", house)
  (house / "requirements.txt").write_text("six\n")
  env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
  missing = subprocess.run([str(python), "-c", "import six"], capture_output=True, env=env)
  assert missing.returncode != 0  # the stand-in really lacks it

  out = tmp_path / "out"
  done = subprocess.run(["bash", str(RUN), str(out), "--tiny"], capture_output=True, text=True,
                        env={**env, "PYTHON": str(python), "WHEELS": str(house),
                             "PIP_NO_INDEX": "1"}, timeout=1500)
  log = (out / "log.txt").read_text() if (out / "log.txt").exists() else ""
  assert done.returncode == 0, done.stderr + log[-3000:]
  where = subprocess.run([str(python), "-c", "import six; print(six.__file__)"],
                         capture_output=True, text=True, env=env, check=True).stdout
  assert pathlib.Path(where.strip()).is_relative_to(purelib)  # installed from the wheel
  device = json.loads((out / "device.json").read_text())
  assert device["label"] == "CPU"
  assert set(device["phases_s"]) == {"install", "tests", "bench_step", "bench_kernels",
                                     "bench_ppo", "bench_minatar", "grid"}
  for name in ("step", "kernels", "ppo", "minatar"):
    assert json.loads((out / "bench" / f"{name}.json").read_text())["benchmark"] == name
  assert 'failures="0"' in (out / "tests.xml").read_text()
  status = json.loads((out / "minatar" / "status.json").read_text())
  assert status["state"] == "done"
  results = json.loads((out / "minatar" / "results.json").read_text())
  assert results["summary"]["score"] == "normalized" and results["summary"]["plasticity"]
  shutil.rmtree(venv)
