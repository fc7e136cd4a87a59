"""Every figure the READMEs quote agrees with the committed result file it comes from.

The checks live in tools/readme_figures/ (`python -m tools.readme_figures --write`
rewrites the generated tables); these tests run them, and show that each kind of check
fails when a figure and its source disagree.
"""

import copy

import pytest

from tools.readme_figures import results
from tools.readme_figures.benchmark_section import generated_benchmark_section
from tools.readme_figures.checks import errors
from tools.readme_figures.docs import load_docs
from tools.readme_figures.quotes import quotes
from tools.readme_figures.stray import stray_figures


def test_every_quoted_figure_and_generated_table_matches_its_result_file():
  assert errors() == []


def test_the_benchmark_readme_results_section_is_what_run_all_writes():
  assert generated_benchmark_section() == []


def test_every_quote_names_a_checked_doc():
  docs = set(load_docs())
  assert {quote.doc for quote in quotes()} <= docs
  assert {"README.md", "docs/pypi.md", "benchmarks/README.md", "examples/README.md"} <= docs


def _replace_once(text, old, new):
  assert text.count(old) >= 1, old
  return text.replace(old, new, 1)


def test_a_changed_figure_in_prose_fails():
  docs = load_docs()
  docs["docs/first_steps.md"] = _replace_once(docs["docs/first_steps.md"], "after 46 steps",
                                              "after 45 steps")
  found = errors(docs)
  assert len(found) == 1 and "docs/first_steps.md" in found[0] and "after 46 steps" in found[0]


def test_a_changed_cell_of_a_generated_table_fails():
  docs = load_docs()
  docs["README.md"] = _replace_once(docs["README.md"], "| 266.7 ± 14.0 |", "| 266.8 ± 14.0 |")
  found = errors(docs)
  assert any("'published' differs" in e for e in found)


def test_a_figure_nobody_checks_fails():
  docs = load_docs()
  docs["docs/cost.md"] += "\nTRAC is 12.5% faster on Tuesdays.\n"
  found = errors(docs)
  assert found == ["docs/cost.md: the figure '12.5%' is not checked against a result file "
                   "(add a Quote in tools/readme_figures/quotes/)"]


def test_a_changed_result_file_fails(monkeypatch):
  real = results.read_json("benchmarks/results/cpu/startup.json")
  changed = copy.deepcopy(real)
  for row in changed["grid"]:
    if (row["inner"], row["lr"], row["s_prev"]) == ("adam", 1e-4, 1e-8):
      row["steps_to_S_0.1"] = 47
  original = results.read_json

  def fake(path):
    return changed if path.endswith("startup.json") else original(path)

  monkeypatch.setattr(results, "read_json", fake)
  found = errors()
  assert any("startup_adam" in e for e in found)          # the generated table
  assert any("after 47 steps" in e for e in found)        # the quote in prose


@pytest.mark.parametrize("token, figure", [("14.8%", True), ("1.68x", True), ("0.0706", True),
                                           ("1e-3", False), ("0.1", False), ("2.13.0", False),
                                           ("3", False)])
def test_what_counts_as_a_figure(token, figure):
  docs = {"docs/x.md": f"It is {token} here.\n"}
  assert bool(stray_figures(docs, [])) == figure
