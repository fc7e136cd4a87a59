"""The generated tables, by the name of their block in a doc.

A doc holds a table between ``<!-- figures:NAME -->`` and ``<!-- /figures:NAME -->``;
``BLOCKS[NAME]()`` builds it from the committed result files. One module per doc
(the lifelong results share one).
"""

from __future__ import annotations

from typing import Callable

from tools.readme_figures.tables import anchor, cost, first_steps, lifelong
from tools.readme_figures.tables import reference_differences, supervised

BLOCKS: dict[str, Callable[[], str]] = {
    "startup_adam": lambda: first_steps.startup_table(["adam"]),
    "startup_all": lambda: first_steps.startup_table(["adam", "adamw", "sgd"]),
    "startup_loss": first_steps.startup_loss_table,
    "fine_tune": first_steps.fine_tune_table,
    "misorder": anchor.misorder_table,
    "published": lifelong.published_table,
    "least_squares": reference_differences.least_squares_table,
    "anchor": anchor.anchor_table,
    "cost": cost.cost_table,
    "short_shifts": lifelong.short_shifts_table,
    "short_controls": lifelong.short_controls_table,
    "minatar_sizing": lifelong.minatar_sizing_table,
    "minatar": lifelong.minatar_table,
    "minatar_plasticity": lifelong.minatar_plasticity_table,
    "supervised_permuted_20": lambda: supervised.whole_run_table("supervised_permuted_20",
                                                                 "accuracy"),
    "supervised_permuted_20_control": lambda: supervised.control_table("supervised_permuted_20"),
}
