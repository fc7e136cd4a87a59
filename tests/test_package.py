"""The built wheel holds the library alone, and installs and runs in a fresh environment.

The wheel is built offline from a copy of the source tree (so no build/ or egg-info lands in
the checkout) with the setuptools of the environment running the tests. The fresh venv gets the
wheel with --no-index --no-deps; its dependencies (jax, optax, chex) are made importable by a
.pth file that names this environment's site-packages: a plain path line does not run the
.pth files found there, so the project's editable install stays out of the fresh venv.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

import trac_optax

ROOT = pathlib.Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns(".venv", ".git", "runs", "build", "dist", "*.egg-info",
                                "__pycache__", ".pytest_cache", ".hypothesis", "*.png", "*.npz")


def _run(cmd, **kwargs):
  out = subprocess.run(cmd, capture_output=True, text=True, timeout=240, **kwargs)
  assert out.returncode == 0, f"{cmd}\n{out.stdout}\n{out.stderr}"
  return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
  tmp = tmp_path_factory.mktemp("wheel")
  src = tmp / "src"
  shutil.copytree(ROOT, src, ignore=IGNORE)
  _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "-q", "-w", str(tmp / "dist"), str(src)])
  (path,) = (tmp / "dist").glob("*.whl")
  return path


def test_the_wheel_holds_the_library_alone(wheel):
  names = zipfile.ZipFile(wheel).namelist()
  package = sorted(n for n in names if not n.startswith("trac_optax-"))
  modules = sorted(f"trac_optax/{p.name}" for p in (ROOT / "trac_optax").glob("*.py"))
  assert package == sorted(modules + ["trac_optax/py.typed"])
  dist_info = f"trac_optax-{trac_optax.__version__}.dist-info"
  assert f"{dist_info}/licenses/LICENSE" in names
  for folder in ("examples/", "benchmarks/", "tests/", "docs/"):
    assert not any(n.startswith(folder) for n in names), folder


def test_the_wheel_metadata(wheel):
  with zipfile.ZipFile(wheel) as z:
    meta = z.read(f"trac_optax-{trac_optax.__version__}.dist-info/METADATA").decode()
    license_text = z.read(f"trac_optax-{trac_optax.__version__}.dist-info/licenses/LICENSE")
  assert f"\nVersion: {trac_optax.__version__}\n" in meta
  assert "\nLicense-Expression: Apache-2.0\n" in meta
  assert license_text == (ROOT / "LICENSE").read_bytes()
  assert "Classifier: Typing :: Typed" in meta and "Project-URL: Source, https://" in meta
  runtime = sorted(re.findall(r"^Requires-Dist: ([^;\n]+)$", meta, flags=re.MULTILINE))
  assert runtime == ["chex>=0.1.87", "jax>=0.4.27", "optax>=0.2.5"]
  # The long description is docs/pypi.md, which reads on a package index: no relative links,
  # no make targets.
  description = meta.split("\n\n", 1)[1]
  assert description.strip() == (ROOT / "docs" / "pypi.md").read_text().strip()
  for target in re.findall(r"\]\(([^)]+)\)", description):
    assert target.startswith("https://"), target
  assert "make " not in description


def test_the_version_is_written_once():
  assert re.fullmatch(r"\d+\.\d+\.\d+", trac_optax.__version__)
  pyproject = (ROOT / "pyproject.toml").read_text()
  assert 'dynamic = ["version"]' in pyproject
  assert not re.search(r"^version\s*=\s*\"", pyproject, flags=re.MULTILINE)
  assert 'version = {attr = "trac_optax.__version__"}' in pyproject
  assert f"## {trac_optax.__version__}" in (ROOT / "CHANGELOG.md").read_text()


CHECK = """
import json, pathlib, sys
import jax, jax.numpy as jnp, optax
import trac_optax
opt = trac_optax.trac(optax.adam(1e-3))
params = {"w": jnp.ones(3)}
state = opt.init(params)
updates, state = opt.update({"w": jnp.ones(3)}, state, params)
params = optax.apply_updates(params, updates)
print(json.dumps({"file": trac_optax.__file__, "version": trac_optax.__version__,
                  "scale": float(trac_optax.get_scale(state)),
                  "finite": bool(jnp.all(jnp.isfinite(params["w"]))),
                  "typed": (pathlib.Path(trac_optax.__file__).parent / "py.typed").exists()}))
"""


def test_the_wheel_installs_and_runs_in_a_fresh_venv(wheel, tmp_path):
  venv = tmp_path / "venv"
  _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
  python = venv / "bin" / "python"
  _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index",
        "--no-deps", str(wheel)])
  purelib = pathlib.Path(_run([str(python), "-c", "import sysconfig; "
                               "print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
  (purelib / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
  env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
  out = _run([str(python), "-c", CHECK], cwd=tmp_path, env=env)
  got = json.loads(out.stdout.strip().splitlines()[-1])
  assert pathlib.Path(got["file"]).is_relative_to(purelib), got["file"]
  assert got["version"] == trac_optax.__version__
  assert got["scale"] > 0 and got["finite"] and got["typed"]
