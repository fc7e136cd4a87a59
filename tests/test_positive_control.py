"""examples/positive_control.py: the committed search reruns to the same table and verdicts."""

import json
import os

from examples import positive_control

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PILOT = os.path.join("examples", "results", "minatar_pilot")


def test_the_committed_search_reruns_to_its_preregistration(tmp_path, monkeypatch):
  monkeypatch.chdir(ROOT)
  with open(os.path.join(PILOT, "pilots.json")) as f:
    committed = json.load(f)
  argv = committed["command"].split()[3:]  # "python -m examples.positive_control ..."
  out = argv.index("--out")
  argv[out + 1] = str(tmp_path / "again")
  result = positive_control.main(argv)
  with open(os.path.join(PILOT, "preregistration.md")) as f:
    expected = f.read().splitlines()
  with open(tmp_path / "again" / "preregistration.md") as f:
    again = f.read().splitlines()
  assert again[4:] == expected[4:]  # all but the line that names the command (its --out)
  assert result["chosen"] is None and committed["chosen"] is None
  verdicts = {(p["folder"], g["game"]): g["loss"] for p in result["pilots"] for g in p["games"]}
  assert verdicts[(f"{PILOT}/permute-narrow", "Breakout-MinAtar")]  # the one game that loses
  assert sum(verdicts.values()) == 2  # and Breakout with Asterix; never two in one setting


def test_a_setting_passes_only_with_the_loss_on_enough_games(monkeypatch):
  monkeypatch.chdir(ROOT)
  narrow = f"{PILOT}/permute-narrow"
  assert positive_control.judge(narrow, min_games=1)["passes"]
  assert not positive_control.judge(narrow, min_games=2)["passes"]
  assert not positive_control.judge(f"{PILOT}/switch", min_games=1)["passes"]
