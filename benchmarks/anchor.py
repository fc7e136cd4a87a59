"""How far TRAC's anchor theta_ref drifts, with reference="implied" (default) and "stored".

    python -m benchmarks.anchor [--steps 1e4] [--params 256] [--json PATH]

By default theta_ref is not stored but implied as theta_t - S_t Delta_t, so
whatever changes the params besides TRAC's own update moves it. This measures
that drift in one ``lax.scan`` per case: ``trac(adam(1e-3))`` on least squares
(``--params`` weights from N(0, 1), a random 2n x n design, a random target),
and after every step the anchor error

    e_t = theta_t - S_t Delta_t - theta_0          (computed in float32)

which, with the implied reference, is how far the point TRAC pulls back to has
moved from theta_0; with the stored one the anchor is exact by construction and
e_t is how far the params sit from theta_ref + S_t Delta_t.

Cases: params in float32 or bfloat16 (the bf16 params are rounded to bf16 by
``optax.apply_updates`` on every step), times the two references, times what
follows ``trac``: nothing (``trac`` last, so only the rounding of
``apply_updates`` acts) or ``optax.add_decayed_weights(1e-4)`` chained after it
(decoupled weight decay put after ``trac`` instead of inside its inner).

Figures: ||e_t|| / ||theta_0|| and max |e_t| at steps 10^2, 10^3, ..., the
largest over the run, and the final S and loss. They do not depend on timing:
on one backend a rerun gives the same numbers.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

import trac_optax
from benchmarks import _timing

DTYPES = ("float32", "bfloat16")
REFERENCES = ("implied", "stored")
AFTER = {"none": None, "decay_1e-4": lambda: optax.add_decayed_weights(1e-4)}
LR = 1e-3


def problem(n: int, dtype: str):
  """Least squares in n weights; returns (loss of float32 weights, theta_0 in dtype)."""
  k1, k2, k3 = jax.random.split(jax.random.key(0), 3)
  a = jax.random.normal(k1, (2 * n, n)) / jnp.sqrt(n)
  target = jax.random.normal(k2, (n,))
  loss = lambda w: 0.5 * jnp.mean((a @ (w.astype(jnp.float32) - target)) ** 2)
  return loss, jax.random.normal(k3, (n,)).astype(dtype)


def run_case(dtype: str, reference: str, after: str, n: int, steps: int) -> dict:
  loss, w0 = problem(n, dtype)
  tracer = trac_optax.trac(optax.adam(LR), reference=reference)
  opt = tracer if AFTER[after] is None else optax.chain(tracer, AFTER[after]())
  w0_32 = w0.astype(jnp.float32)

  def body(carry, _):
    w, state = carry
    updates, state = opt.update(jax.grad(loss)(w).astype(w.dtype), state, w)
    w = optax.apply_updates(w, updates)
    trac_state = state if AFTER[after] is None else state[0]
    scale = trac_optax.get_scale(trac_state)
    error = w.astype(jnp.float32) - scale * trac_state.delta.astype(jnp.float32) - w0_32
    return (w, state), (jnp.linalg.norm(error) / jnp.linalg.norm(w0_32),
                        jnp.max(jnp.abs(error)), scale, loss(w))

  run = jax.jit(lambda: jax.lax.scan(body, (w0, opt.init(w0)), None, steps)[1])
  relative, max_abs, scales, losses = (np.asarray(x, np.float64) for x in run())
  checkpoints = [10**k for k in range(2, 10) if 10**k <= steps]
  if steps not in checkpoints:
    checkpoints.append(steps)
  return {
      "dtype": dtype, "reference": reference, "after": after,
      "at_step": {str(t): {"relative": relative[t - 1], "max_abs": max_abs[t - 1]}
                  for t in checkpoints},
      "largest": {"relative": relative.max(), "max_abs": max_abs.max()},
      "final_scale": scales[-1], "initial_loss": float(loss(w0)), "final_loss": losses[-1],
  }


def parse_args(argv=None):
  parser = _timing.parser("anchor", __doc__)
  parser.add_argument("--steps", type=_timing.count(1), default=10_000,
                      help="optimizer steps per case (default: 1e4)")
  parser.add_argument("--params", type=_timing.count(2), default=256,
                      help="number of weights (default: 256)")
  return parser.parse_args(argv)


def print_table(result: dict, file) -> None:
  steps = result["settings"]["steps"]
  print(f"anchor error ||theta_t - S_t Delta_t - theta_0|| / ||theta_0|| (max |.|),"
        f" trac(adam({LR})), {result['settings']['params']} weights", file=file)
  for case in result["cases"]:
    cells = "  ".join(f"t={t}: {v['relative']:.2e} ({v['max_abs']:.2e})"
                      for t, v in case["at_step"].items())
    print(f"  {case['dtype']:9} {case['reference']:8} after={case['after']:11} {cells}"
          f"  S={case['final_scale']:.3g}", file=file)
  print(f"  ({steps} steps per case)", file=file)


def main(argv=None) -> dict:
  args = parse_args(argv)
  cases = [run_case(dtype, reference, after, args.params, args.steps)
           for dtype in DTYPES for after in AFTER for reference in REFERENCES]
  settings = {"steps": args.steps, "params": args.params, "lr": LR,
              "inner": f"optax.adam({LR})"}
  return _timing.finish("anchor", args, settings, {"cases": cases}, print_table)


if __name__ == "__main__":
  main()
