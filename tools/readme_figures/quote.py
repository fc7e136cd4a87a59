"""A figure quoted in prose: the doc's exact text, and where each figure in it comes from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Quote:
  """``text`` with ``{}`` filled by ``values`` (each read and formatted from a result file).

  Attributes:
    doc: the doc that holds the text, relative to the repository root.
    text: the text, with ``{}`` where the figures go.
    values: one function per ``{}``, returning the figure as the doc writes it.
  """
  doc: str
  text: str
  values: tuple[Callable[[], str], ...] = ()

  def expected(self) -> str:
    """The text as the result files say it should read."""
    return self.text.format(*(v() for v in self.values))


def q(doc: str, text: str, *values: Callable[[], str]) -> Quote:
  """A ``Quote`` of ``text`` in ``doc``, its figures given by ``values``."""
  return Quote(doc, text, tuple(values))
