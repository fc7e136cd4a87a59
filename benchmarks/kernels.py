"""What XLA compiles for one optimizer step: kernels, reductions and custom calls, counted.

    python -m benchmarks.kernels [--json PATH]

For the networks the examples train, the published protocol's 3 x 128 actor-critic
(CartPole-v1: 4 inputs, 2 actions) and the MinAtar agents (the `minatar` preset's
2 x 64 MLP and the `minatar-cnn` preset's CNN, over a 10 x 10 x 6 grid, 6 actions),
compiles one jitted ``update + apply_updates`` (params and state donated, as a
training loop that rebinds them runs it) for each optimizer and counts, in the
optimized HLO of the entry computation:

* kernels: the instructions that run work of their own (fusions, custom calls and
  any unfused op), leaving out what only names or reshapes a buffer (parameters,
  tuples, constants, bitcasts);
* fusions, and the reductions anywhere (inside fusions included);
* custom calls.

On a GPU each kernel is at least one launch, a fixed cost of microseconds that
small networks do not amortise; on the CPU each is a loop over its buffers. The
counts are of this backend's compiler (another backend fuses differently) and
do not depend on the machine's load.
"""

from __future__ import annotations

import re
from typing import Callable

import jax
import jax.numpy as jnp
import optax

import trac_optax
from benchmarks import _timing
from examples.presets import PRESETS

LR = 1e-3
OPTIMIZERS: dict[str, Callable[[], optax.GradientTransformation]] = {
    "adam": lambda: optax.adam(LR),
    "trac": lambda: trac_optax.trac(optax.adam(LR)),
    "trac_unchecked": lambda: trac_optax.trac(optax.adam(LR), check_anchor=False),
    "trac_stored": lambda: trac_optax.trac(optax.adam(LR), reference="stored"),
    # One flat buffer: the params raveled into one vector around the whole transformation.
    "adam_flat": lambda: optax.flatten(optax.adam(LR)),
    "trac_flat": lambda: optax.flatten(trac_optax.trac(optax.adam(LR))),
}
# (preset, observation shape, actions)
NETWORKS = {
    "published 3x128 actor-critic": ("published", (4,), 2),
    "minatar 2x64 MLP": ("minatar", (10, 10, 6), 6),
    "minatar CNN": ("minatar-cnn", (10, 10, 6), 6),
}
_NOT_WORK = {"parameter", "tuple", "get-tuple-element", "constant", "bitcast"}
_OPCODE = re.compile(r"\s*([a-z][\w\-]*)\(")


def opcodes(computations: str) -> list[str]:
  """The opcode of every instruction of HLO text ("fusion", "custom-call", ...)."""
  out = []
  for line in computations.splitlines():
    head, sep, rest = line.strip().removeprefix("ROOT ").partition(" = ")
    if not sep or not head.startswith("%"):
      continue
    if rest.startswith("("):  # a tuple type: skip to its closing parenthesis
      depth = 0
      for i, c in enumerate(rest):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0:
          rest = rest[i + 1:]
          break
    else:
      rest = rest.partition(" ")[2]
    match = _OPCODE.match(rest)
    if match:
      out.append(match.group(1))
  return out


def network_params(preset: str, obs_shape: tuple[int, ...], actions: int) -> dict:
  """The float32 params of a preset's actor-critic, initialised as the examples do."""
  network = PRESETS[preset].network.build(actions)
  return network.init(jax.random.key(0), jnp.zeros((1, *obs_shape), jnp.float32))["params"]


def entry_computation(hlo: str) -> str:
  """The text of the ENTRY computation of an HLO module's text."""
  start = hlo.index("\nENTRY ")
  end = hlo.find("\n}\n", start)
  return hlo[start:end if end >= 0 else len(hlo)]


def count_ops(hlo: str) -> dict[str, int]:
  """Kernels, fusions and custom calls of the entry computation; reductions anywhere.

  Args:
    hlo: the text of an optimized HLO module (``compiled.as_text()``).

  Returns:
    {"kernels", "fusions", "reductions", "custom_calls"}.
  """
  entry = opcodes(entry_computation(hlo))
  every = opcodes(hlo)
  return {"kernels": sum(op not in _NOT_WORK for op in entry),
          "fusions": entry.count("fusion"),
          "reductions": sum(op in ("reduce", "reduce-window", "all-reduce") for op in every),
          "custom_calls": entry.count("custom-call")}


def compiled_step(make: Callable[[], optax.GradientTransformation], params) -> str:
  """The optimized HLO text of one jitted update + apply_updates of `make()` on `params`."""
  opt = make()
  state = opt.init(params)

  def step(params, state, grads):
    updates, state = opt.update(grads, state, params)
    return optax.apply_updates(params, updates), state

  grads = jax.tree.map(jnp.ones_like, params)
  return jax.jit(step, donate_argnums=(0, 1)).lower(params, state, grads).compile().as_text()


def measure() -> list[dict]:
  """One row per network and optimizer: its leaves, params and counts."""
  rows = []
  for label, (preset, obs_shape, actions) in NETWORKS.items():
    params = network_params(preset, obs_shape, actions)
    leaves = jax.tree.leaves(params)
    for name, make in OPTIMIZERS.items():
      rows.append({"network": label, "optimizer": name, "leaves": len(leaves),
                   "params": int(sum(x.size for x in leaves)),
                   **count_ops(compiled_step(make, params))})
  return rows


def differences(rows: list[dict], base: str = "adam") -> list[dict]:
  """Each optimizer's counts minus `base`'s on the same network."""
  by = {(r["network"], r["optimizer"]): r for r in rows}
  keys = ("kernels", "fusions", "reductions", "custom_calls")
  return [{"network": r["network"], "optimizer": r["optimizer"],
           **{k: r[k] - by[(r["network"], base)][k] for k in keys}}
          for r in rows if r["optimizer"] != base]


def print_table(result: dict, file) -> None:
  print("network | optimizer | leaves | params | kernels | fusions | reductions | custom calls",
        file=file)
  for r in result["rows"]:
    print(f"{r['network']} | {r['optimizer']} | {r['leaves']} | {r['params']:,} | "
          f"{r['kernels']} | {r['fusions']} | {r['reductions']} | {r['custom_calls']}", file=file)


def parse_args(argv=None):
  return _timing.parser("kernels", __doc__).parse_args(argv)


def main(argv=None) -> dict:
  args = parse_args(argv)
  rows = measure()
  settings = {"lr": LR, "networks": {k: list(v[:1]) for k, v in NETWORKS.items()},
              "optimizers": list(OPTIMIZERS)}
  return _timing.finish("kernels", args, settings,
                        {"rows": rows, "minus_adam": differences(rows)}, print_table)


if __name__ == "__main__":
  main()
