"""The figures quoted in examples/README.md on the published protocol (examples.published)."""

from __future__ import annotations

from tools.readme_figures.formats import f2, pm
from tools.readme_figures.quote import Quote, q
from tools.readme_figures.results import (EX, md_cell, published_cell,
                                          trac_scale_at_level_end)


def quotes() -> list[Quote]:
  """The quotes of examples/README.md's published-protocol sections."""
  E = "examples/README.md"
  return [
      q(E, "P(TRAC > Adam) = 1.00 [1.00, 1.00] on both), TRAC keeps",
        lambda: "" if all(md_cell(f"{EX}/published/comparison.md", (env, "0.001", "Adam"),
                                  "P(TRAC > other)") == "1.00 [1.00, 1.00]"
                          for env in ("CartPole-v1", "Acrobot-v1")) else "MISMATCH"),
      q(E, "level with TRAC on CartPole (P(TRAC > L2) = {}) and ahead on Acrobot ({})",
        lambda: md_cell(f"{EX}/published/comparison.md",
                        ("CartPole-v1", "0.001", "Adam + L2 to init (strength 0.001)"),
                        "P(TRAC > other)"),
        lambda: md_cell(f"{EX}/published/comparison.md",
                        ("Acrobot-v1", "0.001", "Adam + L2 to init (strength 0.01)"),
                        "P(TRAC > other)")),
      q(E, "the oracle is ahead of TRAC on both ({}, {})",
        *(lambda env=env: md_cell(f"{EX}/published/comparison.md",
                                  (env, "0.001", "Adam, reset at switch (oracle)"),
                                  "P(TRAC > other)") for env in ("CartPole-v1", "Acrobot-v1"))),
      q(E, "(S at the end of level 0: {}, {} and {}",
        lambda: f2(trac_scale_at_level_end("published_cartpole_lr", 0, 0)),
        lambda: f2(trac_scale_at_level_end("published_cartpole", 0, 0)),
        lambda: f"{trac_scale_at_level_end('published_cartpole_lr', 1, 0):.3f}"),
      q(E, "| CartPole-v1 | TRAC(Adam) | 217.4 ± 26.3 | {} |", lambda: pm(published_cell(
          "CartPole-v1", "trac@c_chain"))),
      q(E, "| Acrobot-v1 | TRAC(Adam) | -166.6 ± 8.9 | {} |", lambda: pm(published_cell(
          "Acrobot-v1", "trac@c_chain"))),
  ]
