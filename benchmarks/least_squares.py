"""Fine-tuning from non-zero weights: where the reference TRAC never moves.

Least squares with 256 float32 weights drawn from N(0, 1), base adam(1e-3):
plain Adam, trac_optax.trac(adam), and the published reference (its JAX port and
its PyTorch code, trac-optimizer==0.0.2) from the same start. The reference
rebuilds Delta = (theta - theta_ref) / (S + eps) from the float32 weights; while
S |Delta| is below their spacing the rebuilt Delta is 0 and TRAC never moves.

    python -m benchmarks.least_squares [--steps 3000] [--seeds 10] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

import jax
import jax.numpy as jnp
import numpy as np
import optax

import trac_optax

N_WEIGHTS, N_ROWS, LR = 256, 512, 1e-3


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


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--steps", type=int, default=3000, help="optimizer steps (default 3000)")
  parser.add_argument("--seeds", type=int, default=10, help="problems drawn, seeds 0..N-1 (default 10)")
  parser.add_argument("--json", help="also write the results to this JSON file")
  args = parser.parse_args(argv)
  if args.steps < 1 or args.seeds < 1:
    parser.error("--steps and --seeds must be >= 1")

  from trac_optimizer.experimental.jax.trac import start_trac

  names = ["adam", "trac_optax.trac(adam)", "reference JAX", "reference PyTorch"]
  rows = []
  print(f"least squares, {N_WEIGHTS} weights ~ N(0,1), adam({LR}): loss at t=0 -> t={args.steps}")
  print(f"{'seed':>4s} {'min|w0|':>9s} {'t=0':>9s}" + "".join(f"{n:>23s}" for n in names))
  for seed in range(args.seeds):
    A, b, w0 = problem(seed)
    adam, _ = run_optax(optax.adam(LR), A, b, w0, args.steps)
    ours, state = run_optax(trac_optax.trac(optax.adam(LR)), A, b, w0, args.steps)
    ref_jax, _ = run_optax(start_trac(optax.adam(LR)), A, b, w0, args.steps)
    ref_torch = run_torch_reference(A, b, w0, args.steps)
    curves = (adam, ours, ref_jax, ref_torch)
    final = [float(c[-1]) for c in curves]
    rows.append({"seed": seed, "min_abs_w0": float(np.abs(w0).min()),
                 "initial": dict(zip(names, (float(c[0]) for c in curves))),
                 "final": dict(zip(names, final)), "trac_scale": float(trac_optax.get_scale(state))})
    print(f"{seed:4d} {np.abs(w0).min():9.2e} {adam[0]:9.4g}" + "".join(f"{v:23.4g}" for v in final))

  for name in names:
    stuck = sum(r["final"][name] == r["initial"][name] for r in rows)
    halved = sum(r["final"][name] <= 0.5 * r["initial"][name] for r in rows)
    print(f"{name:24s} never moved in {stuck}/{len(rows)} seeds, halved the loss in {halved}/{len(rows)}")
  if args.json:
    with open(args.json, "w") as f:
      json.dump({"steps": args.steps, "lr": LR, "weights": N_WEIGHTS, "rows": rows}, f, indent=1)
  return 0


if __name__ == "__main__":
  sys.exit(main())
