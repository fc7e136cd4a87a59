"""The checks over the docs: generated blocks, quotes, and stray figures."""

from __future__ import annotations

from typing import Sequence

from tools.readme_figures.docs import BLOCK, load_docs, squash
from tools.readme_figures.quote import Quote
from tools.readme_figures.quotes import quotes
from tools.readme_figures.stray import stray_figures
from tools.readme_figures.tables import BLOCKS


def block_errors(docs: dict[str, str]) -> list[str]:
  """Generated blocks that differ from their result files, lack a generator, or are unused."""
  errors, used = [], set()
  for doc, text in docs.items():
    for m in BLOCK.finditer(text):
      used.add(m.group(1))
      want = BLOCKS[m.group(1)]() + "\n" if m.group(1) in BLOCKS else None
      if want is None:
        errors.append(f"{doc}: no generator for the block {m.group(1)!r}")
      elif m.group(2) != want:
        errors.append(f"{doc}: the block {m.group(1)!r} differs from its result files "
                      "(python -m tools.readme_figures --write)")
  errors += [f"the generated table {name!r} is in no doc" for name in set(BLOCKS) - used]
  return errors


def quote_errors(docs: dict[str, str], checked: Sequence[Quote]) -> list[str]:
  """Quotes whose doc is missing or does not say what the result files give."""
  errors = []
  squashed = {doc: squash(text) for doc, text in docs.items()}
  for quote in checked:
    if quote.doc not in squashed:
      errors.append(f"{quote.doc}: missing (quoted: {quote.text!r})")
      continue
    expected = squash(quote.expected())
    if expected not in squashed[quote.doc]:
      errors.append(f"{quote.doc}: does not say {expected!r} (the result files give that; "
                    f"the text was {quote.text!r})")
  return errors


def errors(docs: dict[str, str] | None = None) -> list[str]:
  """Every disagreement between the docs and the result files.

  Args:
    docs: ``{path: text}`` to check; the checked docs as committed by default.

  Returns:
    One line per error: the blocks' first, then the quotes', then the stray figures.
  """
  docs = load_docs() if docs is None else docs
  checked = quotes()
  return block_errors(docs) + quote_errors(docs, checked) + stray_figures(docs, checked)
