"""Every bad input to the example CLIs: exit status 2 and one line that names it.

One table per CLI; a new flag gets the same treatment by adding a row. An argument
written "{name}" stands for a folder or file that the fixture `places` makes: a
finished, a running and a supervised run folder (status.json only), a --runs folder
whose published-Acrobot-v1 holds another grid, damaged files, one real small run of
examples.lifelong and a folder of examples.combine's results.
"""

import json
import os

import pytest

from examples import combine, lifelong, positive_control, published, supervised

LIFELONG = [
    (["--env", "NotAnEnv-v0"], "unknown env"),
    (["--levels", "0"], "--levels must be >= 1"),
    (["--seeds", "0"], "--seeds must be >= 1"),
    (["--lr", "0"], "--lr must be > 0"),
    (["--lr", "1e-3", "-0.01"], "--lr must be > 0"),
    (["--shift", "rotate"], "unknown shift"),
    (["--optimizers", "adam", "sgd"], "unknown optimizer"),
    (["--optimizers", "adam", "adam"], "lists a method twice"),
    (["--preset", "huge"], "unknown preset"),
    (["--steps-per-level", "10"], "--steps-per-level must be >="),
    (["--levels", "two"], "invalid int value"),
    (["--env", "Pendulum-v1"], "discrete actions"),
    (["--devices", "64"], "--devices must be between 1 and"),
    (["--games", "Breakout-MinAtar", "Pong-MinAtar"], "unknown game 'Pong-MinAtar'"),
    (["--games", "Breakout-MinAtar", "--steps-per-game", "100"], "--steps-per-game must be >= one update"),
    (["--games", "Breakout-MinAtar", "--cycles", "0"], "--cycles must be >= 1"),
    (["--games", "Breakout-MinAtar", "--levels", "3"], "--games cannot be combined with --levels"),
    (["--cycles", "2"], "--cycles needs --games"),
    (["--grid", "l2_init.strength=1e-3"], "'l2_init' is not among --optimizers"),
    (["--optimizers", "l2_init", "--grid", "l2_init.lambda=1"], "has no hyperparameter 'lambda'"),
    (["--optimizers", "l2_init", "--grid", "l2_init.strength=a,1"], "expected distinct numbers"),
    (["--optimizers", "l2_init", "--grid", "l2_init.strength=1,1"], "expected distinct numbers"),
    (["--score", "steps"], "invalid choice: 'steps'"),
    (["--lr", "-1e-3"], "--lr must be > 0, got -0.001"),
    (["--lr", "1e-3", "1e-3"], "lists a learning rate twice"),
    (["--shift", "permute", "--shift-scale", "3"], "applies to shift 'offset' only"),
    (["--preset", "minatar-cnn"], "has a convolutional network"),
    (["--out", "{file}"], "is a file, not a folder"),
    (["--out", "{file}/run"], "is a file, not a folder"),
    (["--out", "/proc/no-such-dir/run"], "cannot write in /proc"),
    (["--distributed", "--coordinator", "127.0.0.1:1", "--num-processes", "2", "--process-id",
      "1", "--coordinator-timeout", "1"], "no coordinator at 127.0.0.1:1 within 1 s"),
    (["--coordinator-timeout", "5"], "--coordinator-timeout needs --distributed"),
    (["--save-every", "0"], "--save-every must be >= 1"),
    (["--chunk-size", "0"], "--chunk-size must be >= 1"),
    (["--resume", "/no/such/run"], "not a run folder of this CLI"),
    (["--resume", "runs/x", "--seeds", "3"], "--seeds cannot be changed"),
    # Runs are never overwritten, and a folder is resumed only by the CLI that made it.
    (["--out", "{done}"], "holds a finished run of `python -m examples.lifelong --levels 3`; "
     "give another --out or --overwrite"),
    (["--out", "{running}"], "holds a run (still running, or stopped without saying so) of "
     "`python -m examples.lifelong --levels 3`; give --resume {running} to finish it, another"),
    (["--out", "{combined}"], "holds a finished run of `python -m examples.combine"),
    (["--resume", "{done}"], "that run is done"),
    (["--resume", "{done}", "--overwrite"], "--overwrite cannot be combined with --resume"),
    (["--resume", "{supervised}"], "that folder holds a run of python -m examples.supervised, "
     "not of python -m examples.lifelong; resume it with: python -m examples.supervised --resume"),
    (["--resume", "{bad_status}"], "status.json is not valid JSON"),
    (["--resume", "runs/x", "--devices", "1", "--levels", "2"], "--levels cannot be changed "
     "(only --devices, --quiet, --distributed, --coordinator, --num-processes"),
    (["--permute-pixels"], "--permute-pixels needs --games"),
]

SUPERVISED = [
    (["--benchmark", "cifar"], "unknown benchmark"),
    (["--tasks", "1"], "--tasks must be >= 2"),
    (["--seeds", "0"], "--seeds must be >= 1"),
    (["--lr", "0"], "--lr must be > 0"),
    (["--optimizers", "adam", "adam"], "twice"),
    (["--optimizers", "trac_rebuilt"], "unknown optimizer"),
    (["--subset", "10"], "--subset is for random_labels"),
    (["--benchmark", "permuted", "--examples-per-task", "10"], "is for regression"),
    (["--examples-per-task", "25", "--batch-size", "10"], "must divide"),
    (["--window", "50"], "--window must be between"),
    (["--hidden", "0"], "--hidden widths"),
    (["--optimizers", "adam", "--grid", "l2_init.strength=1"], "not among --optimizers"),
    (["--devices", "99"], "--devices"),
    (["--tasks", "x"], "invalid int"),
    (["--bootstrap-reps", "0"], "--bootstrap-reps"),
    (["--save-every", "0"], "--save-every must be >= 1"),
    (["--out", "{file}"], "is a file, not a folder"),
    (["--resume", "/no/such/run"], "not a run folder of this CLI"),
    (["--resume", "runs/x", "--tasks", "3"], "--tasks cannot be changed"),
    (["--out", "{supervised}"], "holds a run (still running, or stopped without saying so) of "
     "`python -m examples.supervised --tasks 3`"),
    (["--out", "{done}"], "holds a finished run of `python -m examples.lifelong"),
    (["--resume", "{done}"], "that folder holds a run of python -m examples.lifelong, not of "
     "python -m examples.supervised; resume it with: python -m examples.lifelong --resume"),
    (["--resume", "{supervised}", "--overwrite"], "--overwrite cannot be combined with --resume"),
]

COMBINE = [
    ([], "the following arguments are required: folders, --out"),
    (["{run}"], "the following arguments are required: --out"),
    (["{run}", "--out", "{file}"], "--out {file}: is a file, not a folder"),
    (["{run}", "--out", "{file}/x"], "is a file, not a folder"),
    (["{run}", "--out", "{combined}"], "holds a finished run of `python -m examples.combine"),
    (["{run}", "--out", "{done}"], "holds a finished run of `python -m examples.lifelong"),
    (["/no/such/run", "--out", "{new}"], "/no/such/run has no results.json (not a run folder"),
    (["{running}", "--out", "{new}"], "has no results.json (its run is running)"),
    (["{bad_results}", "--out", "{new}"], "results.json is not valid JSON (Expecting"),
    (["{bad_curves}", "--out", "{new}"], "curves.npz cannot be read"),
    (["{run}", "{run}", "--out", "{new}"], "is in more than one folder"),
    (["{run}", "--out", "{new}", "--lr-from-adam", "sgd"], "--lr-from-adam: 'sgd' is in none"),
    (["{run}", "--out", "{new}", "--default-lr", "-1"], "--default-lr must be > 0, got -1.0"),
    (["{run}", "--out", "{new}", "--default-lr", "0"], "--default-lr must be > 0, got 0.0"),
    (["{run}", "--out", "{new}", "--default-lr", "nan"], "--default-lr must be > 0, got nan"),
    (["{run}", "--out", "{new}", "--default-lr", "0.5"], "--default-lr 0.5: trac was not run "
     "at that learning rate (its grid: 0.00025)"),
    (["{run}", "--out", "{new}", "--default-lr", "x"], "invalid float value: 'x'"),
    (["{run}", "--out", "{new}", "--score", "steps"], "invalid choice: 'steps'"),
]

PUBLISHED = [
    ([], "the following arguments are required: --out"),
    (["--out", "{new}"], "give run folders, or --reproduce ENV [ENV ...] to train them"),
    (["{run}", "--out", "{file}"], "--out {file}: is a file, not a folder"),
    (["{run}", "--out", "{combined}"], "holds a finished run of `python -m examples.combine"),
    (["/no/such/run", "--out", "{new}"], "/no/such/run has no results.json (not a run folder"),
    (["{bad_results}", "--out", "{new}"], "results.json is not valid JSON (Expecting"),
    (["{bad_curves}", "--out", "{new}"], "curves.npz cannot be read"),
    (["{run}", "--out", "{new}"], "was run with preset 'purejaxrl', not 'published'"),
    # --reproduce: every grid's training starts only once the whole command is known good.
    (["--reproduce", "Pong-v0", "--out", "{new}"], "--reproduce: unknown environment "
     "'Pong-v0'; choose from CartPole-v1, Acrobot-v1, MountainCar-v0"),
    (["--reproduce", "--out", "{new}"], "argument --reproduce: expected at least one argument"),
    (["--reproduce", "Acrobot-v1", "Acrobot-v1", "--out", "{new}"],
     "--reproduce lists Acrobot-v1 twice"),
    (["{run}", "--reproduce", "CartPole-v1", "--out", "{new}"],
     "--reproduce trains its own run folders; give no folders beside it (got {run})"),
    (["--reproduce", "CartPole-v1", "--out", "{file}"], "--out {file}: is a file, not a folder"),
    (["--reproduce", "CartPole-v1", "--out", "{combined}"],
     "holds a finished run of `python -m examples.combine"),
    (["--reproduce", "CartPole-v1", "--runs", "{file}", "--out", "{new}"],
     "--runs {file}: is a file, not a folder"),
    (["--reproduce", "CartPole-v1", "--runs", "{new}", "--out", "{new}/published-CartPole-v1"],
     "--out {new}/published-CartPole-v1 is the run folder of a grid"),
    (["--reproduce", "Acrobot-v1", "--runs", "{grids}", "--out", "{new}"],
     "published-Acrobot-v1 holds a run of `python -m examples.lifelong --levels 3`, not of "
     "this grid"),
    (["{run}", "--out", "{new}", "--plan"], "--plan needs --reproduce ENV"),
    (["{run}", "--out", "{new}", "--runs", "runs"], "--runs needs --reproduce ENV"),
]

POSITIVE_CONTROL = [
    ([], "the following arguments are required: folders, --out"),
    (["{run}", "--out", "{file}"], "--out {file}: is a file, not a folder"),
    (["{run}", "--out", "{combined}"], "holds a finished run of `python -m examples.combine"),
    (["/no/such/run", "--out", "{new}"], "/no/such/run has no results.json (not a run folder"),
    (["{bad_results}", "--out", "{new}"], "results.json is not valid JSON (Expecting"),
    (["{run}", "--out", "{new}"], "a pilot runs adam and reset only, got adam, trac"),
    (["{run}", "--out", "{new}", "--games", "0"], "--games must be >= 1, got 0"),
]


@pytest.fixture(scope="module")
def places(tmp_path_factory):
  """The folders and files the tables' "{name}" arguments stand for."""
  root = tmp_path_factory.mktemp("places")

  def folder(name, **files):
    path = root / name
    path.mkdir(parents=True)
    for file_name, text in files.items():
      (path / file_name.replace("_", ".")).write_text(text)
    return str(path)

  status = lambda state, command: json.dumps({"state": state, "command": command,
                                              "argv": command.split()[3:]})
  run = str(root / "run")
  lifelong.main(["--preset", "purejaxrl", "--levels", "2", "--steps-per-level", "512",
                 "--seeds", "1", "--quiet", "--out", run])
  return {
      "file": os.path.abspath(__file__),
      "new": str(root / "new"),
      "run": run,
      "done": folder("done", status_json=status("done", "python -m examples.lifelong --levels 3")),
      "grids": os.path.dirname(folder("grids/published-Acrobot-v1", status_json=status(
          "interrupted", "python -m examples.lifelong --levels 3"))),
      "running": folder("running", status_json=status("running",
                                                      "python -m examples.lifelong --levels 3")),
      "supervised": folder("supervised", status_json=status(
          "running", "python -m examples.supervised --tasks 3")),
      "bad_status": folder("bad_status", status_json='{"state": "running", "argv"'),
      "bad_results": folder("bad_results", results_json='{"command": "x", "seeds"', curves_npz=""),
      "bad_curves": folder("bad_curves", results_json="{}", curves_npz="not a zip file"),
      "combined": folder("combined", results_json=json.dumps(
          {"command": f"python -m examples.combine {run} --out x"})),
  }


def _exits_with_one_line(main, argv, message, places, capsys):
  argv = [a.format(**places) for a in argv]
  message = message.format(**places)
  with pytest.raises(SystemExit) as exit_info:
    main(argv)
  err = capsys.readouterr().err
  assert exit_info.value.code == 2, err
  assert err.count("\n") == 1, err  # one line
  assert message in err, err


@pytest.mark.parametrize("argv, message", LIFELONG)
def test_lifelong(argv, message, places, capsys):
  _exits_with_one_line(lifelong.prepare, argv, message, places, capsys)


@pytest.mark.parametrize("argv, message", SUPERVISED)
def test_supervised(argv, message, places, capsys):
  _exits_with_one_line(supervised.parse_args, argv, message, places, capsys)


@pytest.mark.parametrize("argv, message", COMBINE)
def test_combine(argv, message, places, capsys):
  _exits_with_one_line(combine.main, argv, message, places, capsys)


@pytest.mark.parametrize("argv, message", PUBLISHED)
def test_published(argv, message, places, capsys):
  _exits_with_one_line(published.main, argv, message, places, capsys)


@pytest.mark.parametrize("argv, message", POSITIVE_CONTROL)
def test_positive_control(argv, message, places, capsys):
  _exits_with_one_line(positive_control.main, argv, message, places, capsys)


def test_no_bad_input_writes_anything(places):
  """The refused commands above left every folder as it was, and made none."""
  assert not os.path.exists(places["new"])
  assert sorted(os.listdir(places["done"])) == ["status.json"]
