"""The checked docs: which they are, reading them, and rewriting their generated blocks."""

from __future__ import annotations

import re
from typing import Sequence

from tools.readme_figures.results import ROOT
from tools.readme_figures.tables import BLOCKS

BLOCK = re.compile(r"<!-- figures:(\w+) -->\n(.*?)<!-- /figures:\1 -->", re.DOTALL)
CHECKED_DOCS = ("README.md", "docs", "benchmarks/README.md", "examples/README.md")
NET_DOCS = ("README.md", "docs")   # every figure in these must be checked


def doc_paths(roots: Sequence[str]) -> list[str]:
  """The docs under ``roots``: a file itself, or a folder's ``*.md``, relative to the root."""
  out = []
  for root in roots:
    path = ROOT / root
    out += ([str(p.relative_to(ROOT)) for p in sorted(path.glob("*.md"))] if path.is_dir()
            else [root])
  return out


def load_docs() -> dict[str, str]:
  """``{path: text}`` of every checked doc."""
  return {doc: (ROOT / doc).read_text() for doc in doc_paths(CHECKED_DOCS)}


def squash(text: str) -> str:
  """``text`` with every run of whitespace (line breaks included) as one space."""
  return re.sub(r"\s+", " ", text)


def render(text: str) -> str:
  """``text`` with every generated block rewritten from the result files.

  Raises:
    KeyError: for a block that no generator in ``BLOCKS`` builds.
  """
  def fill(m):
    name = m.group(1)
    if name not in BLOCKS:
      raise KeyError(f"no generator for the block {name!r}")
    return f"<!-- figures:{name} -->\n{BLOCKS[name]()}\n<!-- /figures:{name} -->"
  return BLOCK.sub(fill, text)


def write() -> None:
  """Rewrites the generated blocks of every checked doc whose blocks are out of date."""
  for doc, text in load_docs().items():
    new = render(text)
    if new != text:
      (ROOT / doc).write_text(new)
      print(f"rewrote the generated tables in {doc}")
