"""What a transformation chained after ``trac`` does, and what to do instead.

    python -m benchmarks.misorder [--steps 500] [--seeds 3] [--json PATH]

TRAC's updates put the params at theta_ref + S Delta; anything after ``trac``
changes those updates, so the params end elsewhere. ``trac_optax.anchor_error``
measures where: ||theta_t - theta_0 - S_t Delta_t|| / ||theta_0||, after every
step, with the implied reference (the default: the error is the drift of the
point TRAC pulls back to, and it accumulates) and the stored one (the error is
what moved the params since the last step, which the next step undoes).

On the regression of ``benchmarks.startup`` (an MLP 8-64-64-1 fitting a random
teacher, minibatches of 64), ``trac(optax.adam(1e-3))`` is run with each of
these after it, and each beside its documented remedy:

* ``clip_by_global_norm(0.1)`` after trac; instead clip the gradient before it;
* ``clip(1e-4)`` after trac, an element-wise clip smaller than TRAC's steps;
* ``add_decayed_weights(1e-3)`` after trac (which, after trac, adds the decay
  to the step instead of subtracting it); instead decay inside the inner:
  ``trac(optax.adamw(lr, weight_decay=...))``;
* ``scale_by_schedule`` (a linear decay from 1 to 0 over the run) after trac;
  instead schedule the inner's learning rate: ``trac(optax.adam(schedule))``;
* another wrapper around trac, ``optax.contrib.mechanize(trac(adam))``, a
  second learning-rate tuner; instead use one of them.

Figures (medians over seeds): the anchor error at a few steps, the final S,
the held-out loss at the end, and what ``trac_optax.anchor_drift`` (the cheap check
every update makes) reports at the end, with whether ``get_scale`` warns. They do not depend on timing.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

import trac_optax
from benchmarks import _timing
from benchmarks.startup import _loss, _seeds, make_problem, minibatch_update

LR = 1e-3


def _schedule(steps):
  return optax.linear_schedule(1.0, 0.0, steps)


def cases(steps, reference):
  """name -> (optimizer, what to do instead or None); all built from trac(adam(LR))."""
  trac = lambda inner: trac_optax.trac(inner, reference=reference)
  lr_schedule = optax.linear_schedule(LR, 0.0, steps)
  return {
      "trac last (clip before)": optax.chain(optax.clip_by_global_norm(0.1), trac(optax.adam(LR))),
      "clip_by_global_norm(0.1) after": optax.chain(trac(optax.adam(LR)),
                                                    optax.clip_by_global_norm(0.1)),
      "clip(1e-4) after": optax.chain(trac(optax.adam(LR)), optax.clip(1e-4)),
      "add_decayed_weights(1e-3) after": optax.chain(trac(optax.adam(LR)),
                                                     optax.add_decayed_weights(1e-3)),
      "instead: trac(adamw(weight_decay=1e-3))": trac(optax.adamw(LR, weight_decay=1e-3)),
      "scale_by_schedule(1 -> 0) after": optax.chain(trac(optax.adam(LR)),
                                                     optax.scale_by_schedule(_schedule(steps))),
      "instead: trac(adam(schedule))": trac(optax.adam(lr_schedule)),
      "mechanize(trac(adam))": optax.contrib.mechanize(trac(optax.adam(LR))),
  }


def run(opt, problem, params, key, steps):
  theta_0 = params
  state = opt.init(params)

  def step(carry, t):
    params, state = minibatch_update(opt, problem, key, *carry, t)
    return (params, state), (trac_optax.anchor_error(params, state, theta_0),
                             trac_optax.get_scale(state))

  (params, state), (error, scale) = jax.lax.scan(step, (params, state), jnp.arange(steps))
  found = [s for s in jax.tree.leaves(state, is_leaf=lambda x: isinstance(x, trac_optax.TracState))
           if isinstance(s, trac_optax.TracState)]
  drift = (trac_optax.anchor_drift(state) if found and found[0].anchor_check is not None
           else jnp.nan)  # the stored reference keeps its anchor: no check
  return error, scale, _loss(params, problem["x_eval"], problem["y_eval"]), drift


def measure(steps=500, seeds=3, references=("implied", "stored")):
  problem = make_problem()
  keys, params = _seeds(seeds)
  at = [t for t in (10, 100, 1000, 10000) if t < steps] + [steps]
  rows = []
  for reference in references:
    for name, opt in cases(steps, reference).items():
      error, scale, loss, drift = jax.jit(jax.vmap(
          lambda k, p: run(opt, problem, p, k, steps)))(keys, params)
      rows.append({
          "case": name, "reference": reference,
          "anchor_error_at": {str(t): float(np.median(np.asarray(error)[:, t - 1])) for t in at},
          "final_S": float(np.median(np.asarray(scale)[:, -1])),
          "final_loss": float(np.median(np.asarray(loss))),
          # what trac_optax.anchor_drift reports, and whether get_scale would warn
          "anchor_drift": float(np.median(np.asarray(drift))),
          "warns": bool(np.all(np.asarray(drift) > trac_optax.ANCHOR_TOLERANCE)),
      })
  return rows


def parse_args(argv=None):
  parser = _timing.parser("misorder", __doc__)
  parser.add_argument("--steps", type=_timing.count(10), default=500,
                      help="optimizer steps per run (default: 500)")
  parser.add_argument("--seeds", type=_timing.count(1), default=3, help="seeds (default: 3)")
  return parser.parse_args(argv)


def print_table(result: dict, file) -> None:
  print("anchor error ||theta_t - theta_0 - S_t Delta_t|| / ||theta_0||, final S, final loss",
        file=file)
  for row in result["rows"]:
    errors = ", ".join(f"t={t}: {v:.3g}" for t, v in row["anchor_error_at"].items())
    print(f"  {row['reference']:8} {row['case']:42} {errors}  S={row['final_S']:.3g}"
          f"  loss={row['final_loss']:.4f}  drift={row['anchor_drift']:.3g}"
          f"{' (warns)' if row['warns'] else ''}", file=file)


def main(argv=None) -> dict:
  args = parse_args(argv)
  settings = {"steps": args.steps, "seeds": args.seeds, "inner": f"optax.adam({LR})"}
  return _timing.finish("misorder", args, settings, {"rows": measure(args.steps, args.seeds)},
                        print_table)


if __name__ == "__main__":
  main()
