"""TRAC's first steps: how fast S grows, what s_prev changes, how to start short runs.

    python -m benchmarks.startup [--steps 1000] [--seeds 3] [--json PATH]

S starts at about n * s_prev (6e-8 with the defaults) and TRAC moves the params
by S times what the inner optimizer would, so its first steps do almost
nothing. This measures how long that lasts, on a small regression that any
optimizer solves (an MLP 8-64-64-1 with tanh units fitting a random 8-32-1
teacher, 4096 noisy points, minibatches of 64, the loss on 256 held-out points
after every step; all in one ``lax.scan``, vmapped over the grid):

* ``grid``: for each inner optimizer (``adam``, ``adamw`` with weight decay
  1e-2, ``sgd`` with momentum 0.9), learning rate and ``s_prev``, the first step
  at which S reaches 0.1 and 1, S and the held-out loss at a few steps, beside
  the inner optimizer alone at the same learning rate;
* ``warm_start``: the inner optimizer alone for the first ``--warm`` steps, then
  TRAC from the params reached, the inner's state carried over (the authors'
  ``--warmstart_step``), at the default ``s_prev``;
* ``fine_tune``: params trained on the teacher by adam(1e-3) for ``--steps``
  steps, then trained on a shifted teacher by adam alone, TRAC at several
  ``s_prev`` and the warm start.

Every loss is the median over ``--seeds`` seeds (each its own student init and
minibatches; one teacher), every step count too (a seed that never reaches the
threshold counts as never). The figures do not depend on timing: on one backend
a rerun gives the same numbers.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

import trac_optax
from benchmarks import _timing

INNERS = {
    "adam": lambda lr: optax.adam(lr),
    "adamw": lambda lr: optax.adamw(lr, weight_decay=1e-2),
    "sgd": lambda lr: optax.sgd(lr, momentum=0.9),
}
LRS = (1e-4, 1e-3, 1e-2)
S_PREVS = (1e-8, 1e-6, 1e-4, 1e-2)
THRESHOLDS = (0.1, 1.0)
FINE_TUNE_S_PREVS = (1e-8, 1e-4, 1e-2)
FINE_TUNE_LR = 1e-3
SIZES = (8, 64, 64, 1)
TEACHER = (8, 32, 1)
BATCH = 64
POINTS, HELD_OUT = 4096, 256


def _mlp_init(key, sizes):
  keys = jax.random.split(key, len(sizes) - 1)
  return [{"w": jax.random.normal(k, (m, n)) / np.sqrt(m), "b": jnp.zeros(n)}
          for k, m, n in zip(keys, sizes[:-1], sizes[1:])]


def _mlp(params, x):
  for layer in params[:-1]:
    x = jnp.tanh(x @ layer["w"] + layer["b"])
  return (x @ params[-1]["w"] + params[-1]["b"])[..., 0]


def make_problem(shift: float = 0.0):
  """Data of the regression; ``shift`` adds that much of a second teacher."""
  key = jax.random.key(1234)
  k_teacher, k_other, k_x, k_noise = jax.random.split(key, 4)
  teacher, other = _mlp_init(k_teacher, TEACHER), _mlp_init(k_other, TEACHER)
  x = jax.random.normal(k_x, (POINTS + HELD_OUT, SIZES[0]))
  y = _mlp(teacher, x) + shift * _mlp(other, x) + 0.1 * jax.random.normal(k_noise, x.shape[:1])
  return {"x": x[:POINTS], "y": y[:POINTS], "x_eval": x[POINTS:], "y_eval": y[POINTS:]}


def _loss(params, x, y):
  return jnp.mean((_mlp(params, x) - y) ** 2)


def minibatch_update(opt, problem, key, params, opt_state, t):
  """One step of ``opt`` on minibatch ``t`` (drawn from ``key``) of the problem's points."""
  idx = jax.random.randint(jax.random.fold_in(key, t), (BATCH,), 0, POINTS)
  grads = jax.grad(_loss)(params, problem["x"][idx], problem["y"][idx])
  updates, opt_state = opt.update(grads, opt_state, params)
  return optax.apply_updates(params, updates), opt_state


def train(opt, problem, params, key, steps, opt_state=None):
  """``steps`` steps of ``opt`` from ``params``: per-step held-out loss and S, final state."""
  if opt_state is None:
    opt_state = opt.init(params)
  has_trac = bool(trac_optax.get_scales(opt_state))

  def step(carry, t):
    params, opt_state = minibatch_update(opt, problem, key, *carry, t)
    scale = trac_optax.get_scale(opt_state) if has_trac else jnp.ones([])
    return (params, opt_state), (_loss(params, problem["x_eval"], problem["y_eval"]), scale)

  (params, opt_state), (loss, scale) = jax.lax.scan(
      step, (params, opt_state), jnp.arange(steps))
  return loss, scale, params, opt_state


def _first_reach(scale, threshold):
  """1-based step at which S first reaches ``threshold``, per run; None where never."""
  reached = np.asarray(scale) >= threshold
  first = np.where(reached.any(-1), reached.argmax(-1) + 1, -1)
  return first


def _median_steps(first):
  """Median over seeds of first-reach steps (never = infinite); None if the median is never."""
  values = np.where(first < 0, np.inf, first.astype(float))
  median = float(np.median(values))
  return None if not np.isfinite(median) else int(round(median))


def _checkpoints(steps):
  return [t for t in (10, 50, 100, 200, 500, 1000, 2000, 5000) if t <= steps] or [steps]


def _summary(loss, scale, steps):
  """Medians over the seed axis (the first) of one run's curves."""
  out = {f"steps_to_S_{t:g}": _median_steps(_first_reach(scale, t)) for t in THRESHOLDS}
  out["S_at"] = {str(t): float(np.median(np.asarray(scale)[:, t - 1])) for t in _checkpoints(steps)}
  out["loss_at"] = {str(t): float(np.median(np.asarray(loss)[:, t - 1])) for t in _checkpoints(steps)}
  return out


def _seeds(seeds):
  keys = jax.vmap(lambda s: jax.random.fold_in(jax.random.key(0), s))(jnp.arange(seeds))
  params = jax.vmap(lambda k: _mlp_init(jax.random.fold_in(k, 1), SIZES))(keys)
  return keys, params


def grid(inner_name, lrs=LRS, s_prevs=S_PREVS, seeds=3, steps=1000):
  """S and loss of trac(inner(lr), s_prev) and of inner(lr) alone, every pair of the grid."""
  problem = make_problem()
  keys, params = _seeds(seeds)
  inner = INNERS[inner_name]
  lr_grid, s_grid = (jnp.asarray(a, jnp.float32).ravel()
                     for a in np.meshgrid(np.asarray(lrs), np.asarray(s_prevs), indexing="ij"))

  def run_trac(lr, s_prev, key, p):
    return train(trac_optax.trac(inner(lr), s_prev=s_prev), problem, p, key, steps)[:2]

  def run_inner(lr, key, p):
    return train(inner(lr), problem, p, key, steps)[0]

  over_seeds = jax.vmap(run_trac, in_axes=(None, None, 0, 0))
  loss, scale = jax.jit(jax.vmap(over_seeds, in_axes=(0, 0, None, None)))(
      lr_grid, s_grid, keys, params)
  inner_loss = jax.jit(jax.vmap(jax.vmap(run_inner, in_axes=(None, 0, 0)), in_axes=(0, None, None)))(
      jnp.asarray(lrs, jnp.float32), keys, params)
  rows = []
  for i, (lr, s_prev) in enumerate(zip(np.asarray(lr_grid), np.asarray(s_grid))):
    j = list(lrs).index(min(lrs, key=lambda x: abs(x - lr)))
    row = {"inner": inner_name, "lr": float(f"{lr:.6g}"), "s_prev": float(f"{s_prev:.6g}")}
    row.update(_summary(loss[i], scale[i], steps))
    row["inner_alone_loss_at"] = {str(t): float(np.median(np.asarray(inner_loss[j])[:, t - 1]))
                                  for t in _checkpoints(steps)}
    rows.append(row)
  return rows


def warm_start(opt_state, params, inner, s_prev=1e-8):
  """TRAC from ``params`` with the inner's state ``opt_state`` carried over."""
  opt = trac_optax.trac(inner, s_prev=s_prev)
  return opt, opt.init(params)._replace(inner_state=opt_state)


def _warm_run(inner_fn, lr, problem, params, key, steps, warm):
  inner = inner_fn(lr)
  loss1, _, p, s = train(inner, problem, params, key, warm)
  opt, state = warm_start(s, p, inner)
  loss2, scale2, _, _ = train(opt, problem, p, jax.random.fold_in(key, 1), steps - warm, state)
  return jnp.concatenate([loss1, loss2]), jnp.concatenate([jnp.zeros(warm), scale2])


def warm_starts(inner_name, lrs=LRS, seeds=3, steps=1000, warm=100):
  problem = make_problem()
  keys, params = _seeds(seeds)
  run = lambda lr, k, p: _warm_run(INNERS[inner_name], lr, problem, p, k, steps, warm)
  loss, scale = jax.jit(jax.vmap(jax.vmap(run, in_axes=(None, 0, 0)), in_axes=(0, None, None)))(
      jnp.asarray(lrs, jnp.float32), keys, params)
  rows = []
  for i, lr in enumerate(lrs):
    row = {"inner": inner_name, "lr": lr, "warm_steps": warm}
    summary = _summary(loss[i], scale[i], steps)
    row.update({"loss_at": summary["loss_at"], "S_at": summary["S_at"]})
    rows.append(row)
  return rows


def fine_tune(seeds=3, pretrain=1000, steps=500, warm=50, shift=0.5):
  """Pretrained on the teacher, then trained on a shifted teacher: adam, TRAC, warm start."""
  lr = FINE_TUNE_LR
  base, shifted = make_problem(), make_problem(shift)
  keys, params = _seeds(seeds)

  def one_seed(key, p):
    _, _, p, _ = train(optax.adam(lr), base, p, jax.random.fold_in(key, 7), pretrain)
    k = jax.random.fold_in(key, 8)
    out = {"adam": train(optax.adam(lr), shifted, p, k, steps)[:2]}
    for s_prev in FINE_TUNE_S_PREVS:
      out[f"trac, s_prev {s_prev:g}"] = train(
          trac_optax.trac(optax.adam(lr), s_prev=s_prev), shifted, p, k, steps)[:2]
    out[f"adam {warm} steps, then trac"] = _warm_run(
        optax.adam, lr, shifted, p, k, steps, warm)
    start = _loss(p, shifted["x_eval"], shifted["y_eval"])
    return out, start

  out, start = jax.jit(jax.vmap(one_seed))(keys, params)
  rows = []
  for name, (loss, scale) in out.items():
    row = {"method": name}
    row.update(_summary(loss, scale, steps))
    if name == "adam":
      row["S_at"] = row["steps_to_S_0.1"] = row["steps_to_S_1"] = None
    rows.append(row)
  return {"lr": lr, "pretrain_steps": pretrain, "shift": shift, "warm_steps": warm,
          "loss_before": float(np.median(np.asarray(start))), "rows": rows}


def parse_args(argv=None):
  parser = _timing.parser("startup", __doc__)
  parser.add_argument("--steps", type=_timing.count(10), default=1000,
                      help="optimizer steps per run (default: 1000)")
  parser.add_argument("--seeds", type=_timing.count(1), default=3, help="seeds (default: 3)")
  parser.add_argument("--warm", type=_timing.count(1), default=100,
                      help="steps of the inner alone before TRAC in the warm start (default: 100)")
  args = parser.parse_args(argv)
  if args.warm >= args.steps:
    parser.error(f"--warm {args.warm} leaves no steps of TRAC in --steps {args.steps}")
  return args


def _fmt(x):
  return "never" if x is None else str(x)


def print_table(result: dict, file) -> None:
  print("steps until S >= 0.1 / 1 (median over seeds); held-out loss at the last step, "
        "trac vs the inner alone", file=file)
  last = str(result["settings"]["steps"])
  for row in result["grid"]:
    loss = row["loss_at"]
    print(f"  {row['inner']:6} lr {row['lr']:<7g} s_prev {row['s_prev']:<6g} "
          f"{_fmt(row['steps_to_S_0.1']):>5} / {_fmt(row['steps_to_S_1']):>5}  "
          f"loss {loss[last]:.4f} (inner {row['inner_alone_loss_at'][last]:.4f})", file=file)
  for row in result["warm_start"]:
    print(f"  warm start {row['inner']} lr {row['lr']:g}: loss "
          + ", ".join(f"t={t}: {v:.4f}" for t, v in row["loss_at"].items()), file=file)
  ft = result["fine_tune"]
  print(f"fine-tuning (loss before {ft['loss_before']:.4f}):", file=file)
  for row in ft["rows"]:
    print(f"  {row['method']:24} " + ", ".join(f"t={t}: {v:.4f}" for t, v in row["loss_at"].items()),
          file=file)


def main(argv=None) -> dict:
  args = parse_args(argv)
  settings = {"steps": args.steps, "seeds": args.seeds, "warm": args.warm,
              "lrs": LRS, "s_prevs": S_PREVS, "batch": BATCH, "sizes": SIZES,
              "inners": {"adam": "optax.adam(lr)",
                         "adamw": "optax.adamw(lr, weight_decay=1e-2)",
                         "sgd": "optax.sgd(lr, momentum=0.9)"}}
  results = {
      "grid": [row for name in INNERS for row in grid(name, seeds=args.seeds, steps=args.steps)],
      "warm_start": warm_starts("adam", seeds=args.seeds, steps=args.steps, warm=args.warm),
      "fine_tune": fine_tune(seeds=args.seeds, pretrain=args.steps),
  }
  return _timing.finish("startup", args, settings, results, print_table)


if __name__ == "__main__":
  main()
