"""Benchmarks of trac_optax: one module per question, run as `python -m benchmarks.<name>`.

`python -m benchmarks.run_all` runs them all and rewrites the table in
benchmarks/README.md.
"""

import examples  # noqa: F401  (its import applies the CPU workaround before jax is imported)
