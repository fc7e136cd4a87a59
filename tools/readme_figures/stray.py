"""The net under the quotes: a figure in README.md or docs/ that nothing checks is an error.

Outside code, links, generated blocks and checked quotes, every number with two or more
significant digits, and every percentage or ratio ("14.8%", "1.68x"), is a stray figure.
"""

from __future__ import annotations

import re
from typing import Sequence

from tools.readme_figures.docs import BLOCK, NET_DOCS, squash
from tools.readme_figures.quote import Quote

# A figure: two or more significant digits with a decimal point or an exponent, or any
# percentage or ratio written as "1.7x".
FIGURE = re.compile(r"(?<![\w.])[-+−]?(?:\d+\.\d+(?:e[-+]?\d+)?(?![.\d])|\d+(?:\.\d+)?e[-+]?\d+|"
                    r"\d+(?:\.\d+)?(?=%)|\d+(?:\.\d+)?(?=x\b))%?")
SETTINGS = {  # numbers that are settings or constants of the method, not measured figures
    "0.99", "0.999", "0.9999", "0.99999", "0.999999", "3.10",
    "0.11", "2.0"}


def _significant(token: str) -> int:
  mantissa = token.lstrip("-+−").rstrip("%").split("e")[0].replace(".", "").lstrip("0")
  return len(mantissa)


def stray_figures(docs: dict[str, str], checked: Sequence[Quote]) -> list[str]:
  """Figures in the ``NET_DOCS`` that no quote or generated block accounts for.

  Args:
    docs: ``{path: text}``; docs outside ``NET_DOCS`` are skipped.
    checked: the quotes whose text accounts for the figures in it.

  Returns:
    One line per stray figure.
  """
  errors = []
  for doc, text in docs.items():
    if not any(doc == d or doc.startswith(d + "/") for d in NET_DOCS):
      continue
    text = squash(BLOCK.sub(" ", re.sub(r"```.*?```", " ", text, flags=re.DOTALL)))
    for quote in checked:
      if quote.doc == doc:
        text = text.replace(squash(quote.expected()), " ")
    text = re.sub(r"`[^`]*`", " ", text)            # code
    text = re.sub(r"\]\([^)]*\)", "]", text)         # link targets
    for token in FIGURE.findall(text):
      bare = token.lstrip("-+−").rstrip("%")
      if bare in SETTINGS:
        continue
      if token.endswith("%") or re.search(re.escape(bare) + r"x\b", text) or (
          _significant(bare) >= 2 and "e" not in bare):
        errors.append(f"{doc}: the figure {token!r} is not checked against a result file "
                      "(add a Quote in tools/readme_figures/quotes/)")
  return errors
