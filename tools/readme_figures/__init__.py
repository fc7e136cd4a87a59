"""Every figure the docs quote, beside the committed result file it comes from.

    python -m tools.readme_figures           # check: prints what disagrees, exit 1
    python -m tools.readme_figures --write   # rewrite the generated tables

Two kinds of figure:

* Generated blocks: tables built from result files, written between the markers
  ``<!-- figures:NAME -->`` and ``<!-- /figures:NAME -->`` of a doc. ``--write``
  rewrites them; the check rebuilds each and compares (``tables``).
* Quotes: figures in prose. Each is the exact text the doc holds, with ``{}``
  where the figures go, and the functions that read each figure from its result
  file and format it (``quotes``, one module per doc). Whitespace (line breaks)
  does not matter.

And one net under both (``stray``): in README.md and docs/*.md, outside code,
links and generated blocks, every number with two or more significant digits,
and every percentage or ratio ("14.8%", "1.68x"), must lie inside a checked
quote. The benchmark README's own generated section is checked against
``benchmarks.run_all.table``, the code that writes it (``benchmark_section``).

The modules:

* ``results``: reading the committed result files (JSON, markdown tables).
* ``formats``: how a figure is written (significant digits, percentages).
* ``tables``: the generated blocks, one module per doc.
* ``quote`` and ``quotes``: the quote type, and the quotes, one module per doc.
* ``docs``: which docs are checked, reading them and rewriting their blocks.
* ``checks`` and ``stray``: the checks over the docs.
* ``benchmark_section``: the check of benchmarks/README.md's results section.

Reading only committed files, the check takes well under a second and trains
nothing. ``tests/test_readme_figures.py`` runs it.
"""
