"""Fine-tuning from non-zero weights: where the reference TRAC never moves.

Least squares with 256 float32 weights drawn from N(0, 1), base adam(1e-3):
plain Adam, trac_optax.trac(adam), and the published reference (its JAX port and
its PyTorch code, trac-optimizer==0.0.2) from the same start. The reference
rebuilds Delta = (theta - theta_ref) / (S + eps) from the float32 weights; while
S |Delta| is below their spacing the rebuilt Delta is 0 and TRAC never moves.

    python -m benchmarks.least_squares [--steps 3000] [--seeds 10] [--json PATH]

Prints each seed's final losses and, per optimizer, the seeds where it never moved
(as in benchmarks/results/cpu/least_squares.txt).
"""

from __future__ import annotations

import os
import sys
import tempfile

import jax
import jax.numpy as jnp
import numpy as np
import optax

import trac_optax
from benchmarks import _timing

N_WEIGHTS, N_ROWS, LR = 256, 512, 1e-3
NAMES = ("adam", "trac_optax.trac(adam)", "reference JAX", "reference PyTorch")


def problem(seed: int = 0):
  """A, b and the start w0, all float32: loss(w) = mean((A w - b)^2) * N_WEIGHTS."""
  rng = np.random.default_rng(seed)
  A = (rng.normal(size=(N_ROWS, N_WEIGHTS)) / np.sqrt(N_WEIGHTS)).astype(np.float32)
  b = (A @ rng.normal(size=N_WEIGHTS)).astype(np.float32)
  w0 = rng.normal(size=N_WEIGHTS).astype(np.float32)
  return A, b, w0


def run_optax(opt, A, b, w0, steps):
  loss = lambda w: jnp.mean((A @ w - b) ** 2) * N_WEIGHTS

  @jax.jit
  def train(w):
    def body(carry, _):
      w, state = carry
      value, grad = jax.value_and_grad(loss)(w)
      updates, state = opt.update(grad, state, w)
      return (optax.apply_updates(w, updates), state), value

    (w, state), losses = jax.lax.scan(body, (w, opt.init(w)), None, steps)
    return losses, loss(w), state

  losses, final, state = train(jnp.asarray(w0))
  return np.append(np.asarray(losses), float(final)), state


def run_torch_reference(A, b, w0, steps):
  import torch
  from trac_optimizer import start_trac

  w = torch.tensor(w0, requires_grad=True)
  At, bt = torch.from_numpy(A), torch.from_numpy(b)
  with tempfile.TemporaryDirectory() as tmp:
    opt = start_trac(os.path.join(tmp, "trac.log"), torch.optim.Adam)([w], lr=LR)
    losses = []
    for _ in range(steps):
      opt.zero_grad()
      loss = ((At @ w - bt) ** 2).mean() * N_WEIGHTS
      loss.backward()
      opt.step()
      losses.append(loss.item())
    losses.append((((At @ w - bt) ** 2).mean() * N_WEIGHTS).item())
  return np.array(losses)


def parse_args(argv=None):
  parser = _timing.parser("least_squares", __doc__)
  parser.add_argument("--steps", type=_timing.count(1), default=3000,
                      help="optimizer steps (default: 3000)")
  parser.add_argument("--seeds", type=_timing.count(1), default=10,
                      help="problems drawn, seeds 0..N-1 (default: 10)")
  return parser.parse_args(argv)


def run_seed(seed: int, steps: int) -> dict:
  """Each optimizer from the same start: the loss before and after, and trac's S."""
  from trac_optimizer.experimental.jax.trac import start_trac

  A, b, w0 = problem(seed)
  adam, _ = run_optax(optax.adam(LR), A, b, w0, steps)
  ours, state = run_optax(trac_optax.trac(optax.adam(LR)), A, b, w0, steps)
  ref_jax, _ = run_optax(start_trac(optax.adam(LR)), A, b, w0, steps)
  ref_torch = run_torch_reference(A, b, w0, steps)
  curves = (adam, ours, ref_jax, ref_torch)
  return {"seed": seed, "min_abs_w0": float(np.abs(w0).min()),
          "initial": dict(zip(NAMES, (float(c[0]) for c in curves))),
          "final": dict(zip(NAMES, (float(c[-1]) for c in curves))),
          "trac_scale": float(trac_optax.get_scale(state))}


def print_table(result: dict, file) -> None:
  rows = result["rows"]
  print(f"least squares, {N_WEIGHTS} weights ~ N(0,1), adam({LR}): loss at t=0 -> "
        f"t={result['settings']['steps']}", file=file)
  print(f"{'seed':>4s} {'min|w0|':>9s} {'t=0':>9s}" + "".join(f"{n:>23s}" for n in NAMES),
        file=file)
  for row in rows:
    print(f"{row['seed']:4d} {row['min_abs_w0']:9.2e} {row['initial']['adam']:9.4g}"
          + "".join(f"{row['final'][n]:23.4g}" for n in NAMES), file=file)
  for name in NAMES:
    stuck = sum(r["final"][name] == r["initial"][name] for r in rows)
    halved = sum(r["final"][name] <= 0.5 * r["initial"][name] for r in rows)
    print(f"{name:24s} never moved in {stuck}/{len(rows)} seeds, halved the loss in"
          f" {halved}/{len(rows)}", file=file)


def main(argv=None) -> dict:
  args = parse_args(argv)
  rows = []
  for seed in range(args.seeds):
    print(f"seed {seed}...", file=sys.stderr, flush=True)
    rows.append(run_seed(seed, args.steps))
  settings = {"steps": args.steps, "seeds": args.seeds, "lr": LR, "weights": N_WEIGHTS}
  return _timing.finish("least_squares", args, settings, {"rows": rows}, print_table,
                        ("trac-optimizer", "torch"))


if __name__ == "__main__":
  main()
