"""TRAC: a parameter-free wrapper that scales any optax transformation's steps."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple, Optional

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax

from trac_optax._erfi import erfi, erfi_max_argument

DEFAULT_BETAS = (0.9, 0.99, 0.999, 0.9999, 0.99999, 0.999999)
_SIGMA_0 = 1e-8  # the reference's initial sigma, kept for parity
_NO_PARAMS = (
    "trac: `update` needs the current params (TRAC returns the step to theta_ref + S Delta "
    "from them): call `opt.update(grads, state, params)`.")
_REFERENCES = ("implied", "stored")  # where theta_ref lives, see trac's `reference`
_NESTED = (
    "trac: the inner transformation contains a trac already (found a TracState at {where} "
    "of its state). Two TRACs, one around the other, each pull the params back to a "
    "reference of their own; use one: trac(inner) with the inner optimizer alone inside.")


class TracState(NamedTuple):
  """State of :func:`trac`: the inner state plus the erfi tuner's statistics."""
  inner_state: optax.OptState  # The inner transformation's state (it runs on theta_ref + Delta).
  count: chex.Array  # Number of updates applied so far, int32.
  delta: optax.Updates  # Delta_t, the sum of the inner updates; the params' dtype unless delta_dtype.
  v: chex.Array  # Per beta: v_t = sum_k beta^(2(t-k)) h_k^2, float32 (float64 for f64 params).
  sigma: chex.Array  # Per beta: sigma_t = beta^t sigma_0 - sum_k beta^(t-k) h_k.
  s: chex.Array  # Per beta: s_j after the last update; the scale is S = max(sum_j s_j, 0).
  # theta_ref, the params given to init, with reference="stored"; None (no leaves) with
  # the default reference="implied", where theta_ref is theta_t - S_t Delta_t.
  theta_ref: Optional[optax.Params] = None
  # With reference="implied": [fingerprint of theta_ref, |theta_ref|, largest drift seen],
  # the tuner's dtype; see `anchor_drift`. None with reference="stored" or check_anchor=False.
  anchor_check: Optional[chex.Array] = None


def _erfi_scalar(x: float) -> float:
  """erfi(x) for a small Python float, by its Maclaurin series in float64."""
  terms = [x ** (2 * n + 1) / (math.factorial(n) * (2 * n + 1)) for n in range(40)]
  return 2.0 / math.sqrt(math.pi) * math.fsum(terms)


def _check_number(name, value, valid, requirement) -> None:
  """Checks a scalar option where it is concrete.

  ``optax.inject_hyperparams`` hands numeric options over as arrays, traced when
  its ``init`` or ``update`` runs under ``jit``; a traced value is checked only
  for its shape (its value is not known until the step runs).
  """
  message = f"trac: `{name}` must be {requirement}, got {value!r}."
  try:
    ndim = np.ndim(value)
  except (TypeError, ValueError) as e:  # an object numpy cannot make an array of
    raise ValueError(message) from e
  if ndim != 0:
    raise ValueError(f"trac: `{name}` must be a scalar, got shape {np.shape(value)}.")
  try:
    number = float(value)
  except jax.errors.ConcretizationTypeError:
    return  # traced: checked where it is concrete
  except (TypeError, ValueError) as e:
    raise ValueError(message) from e
  if not valid(number):  # NaN fails every comparison, so it is rejected too
    raise ValueError(message)


def _validate(inner, betas, s_prev, eps, delta_dtype, reference) -> tuple[float, ...]:
  if not isinstance(inner, optax.GradientTransformation):
    raise ValueError(
        "trac: `inner` must be an optax.GradientTransformation such as "
        f"optax.adam(1e-3), got {type(inner).__name__}.")
  try:
    betas = tuple(float(b) for b in betas)
  except (TypeError, ValueError, jax.errors.ConcretizationTypeError) as e:
    raise ValueError(f"trac: `betas` must be a sequence of floats, got {betas!r}.") from e
  if not betas:
    raise ValueError("trac: `betas` must not be empty.")
  for b in betas:
    if not 0.0 < b <= 1.0:  # also rejects NaN
      raise ValueError(f"trac: every beta must lie in (0, 1], got {b!r} in {betas}.")
  _check_number("s_prev", s_prev, lambda x: math.isfinite(x) and x > 0, "a finite number > 0")
  _check_number("eps", eps, lambda x: math.isfinite(x) and x >= 0, "a finite number >= 0")
  if delta_dtype is not None:
    message = (f"trac: `delta_dtype` must be a float dtype, got {delta_dtype!r} (under "
               "optax.inject_hyperparams, give it as a string such as 'float32' or name it in "
               "static_args: a dtype class is callable and is taken for a schedule).")
    if isinstance(delta_dtype, (jax.Array, np.ndarray, np.generic)):  # a value, not a dtype
      raise ValueError(message)
    try:
      dtype = jnp.dtype(delta_dtype)
    except (TypeError, ValueError) as e:
      raise ValueError(message) from e
    if not jnp.issubdtype(dtype, jnp.floating):
      raise ValueError(message)
  if not (isinstance(reference, str) and reference in _REFERENCES):
    raise ValueError(
        f"trac: `reference` must be one of {', '.join(map(repr, _REFERENCES))}, got {reference!r}.")
  return betas


def _tuner_dtype(params) -> np.dtype:
  """float32, or float64 when some parameter is float64 (under jax_enable_x64)."""
  dtypes = [jnp.result_type(leaf) for leaf in jax.tree.leaves(params)]
  return jnp.result_type(jnp.float32, *[d for d in dtypes if jnp.issubdtype(d, jnp.floating)])


def _check_float_params(params) -> None:
  """TRAC moves the params along a real line: every leaf must be a real float array."""
  for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]:
    dtype = jnp.result_type(leaf)
    if not jnp.issubdtype(dtype, jnp.floating):
      where = jax.tree_util.keystr(path) or "the params"
      raise ValueError(
          f"trac: every param must be a real floating-point array, got {dtype} at {where}. "
          "TRAC scales the sum of the inner steps by a real S, which an integer or complex "
          "param cannot hold; cast it (e.g. jnp.float32) or keep it out of the optimizer "
          "(optax.multi_transform with optax.set_to_zero()).")


# The anchor check: a random +-1 projection of theta_t - S_t Delta_t (the implied
# theta_ref), compared with its value at the first update. It reads a fixed strided
# sample of at most about _ANCHOR_SAMPLE elements of the largest leaf, so that it costs a
# few small kernels per step whatever the size and shape of the tree (a misordered chain
# moves every leaf), and three scalars in the state.
_HASH = np.uint32(0x9E3779B1)  # Knuth's multiplicative hash (2^32 / golden ratio)
_ANCHOR_SAMPLE = 4096
ANCHOR_TOLERANCE = 1e-3  # relative drift above which `get_scale` warns


def _anchor_fingerprint(params, delta, S, dtype) -> tuple[chex.Array, ...]:
  """(<r, x>, |x|^2, |theta|^2) over a strided sample of the largest leaf, x = theta - S
  Delta, with r a fixed pseudo-random +-1 per sampled element (a hash of its index)."""
  leaves = list(zip(jax.tree.leaves(params), jax.tree.leaves(delta)))
  if not leaves:
    zero = jnp.zeros([], dtype)
    return zero, zero, zero
  p, d = max(leaves, key=lambda pd: int(np.prod(np.shape(pd[0]))))  # the first of the largest
  size = int(np.prod(np.shape(p)))
  stride = max(1, size // _ANCHOR_SAMPLE)
  theta = jnp.reshape(p, [-1])[::stride].astype(dtype)
  x = theta - S * jnp.reshape(d, [-1])[::stride].astype(dtype)
  index = np.arange(0, size, stride, dtype=np.uint32)  # known when tracing: a constant
  sign = jnp.asarray(1 - 2 * ((index * _HASH) >> 31).astype(np.int8), dtype)
  sums = jnp.sum(jnp.stack([sign * x, x * x, theta * theta]), axis=1)  # one small kernel
  return sums[0], sums[1], sums[2]


def _next_anchor_check(check, count, projection, anchor_square, params_square) -> chex.Array:
  """The state's [fingerprint of theta_ref, |theta_ref|, largest relative drift]: the drift
  is relative to the larger of |theta_ref| and |theta_t|, the size of the rounding."""
  first = count == 0
  reference = jnp.where(first, projection, check[0])
  size = jnp.where(first, jnp.sqrt(anchor_square), check[1])
  scale = jnp.maximum(jnp.maximum(size, jnp.sqrt(params_square)), jnp.finfo(check.dtype).tiny)
  drift = jnp.where(first, 0, jnp.abs(projection - reference) / scale)
  # A NaN drift (NaN params) is kept: it is not a misordered chain, but not fine either.
  largest = jnp.where(jnp.isnan(drift) | (drift > check[2]), drift, check[2])
  return jnp.stack([reference, size, largest]).astype(check.dtype)


def _total_scale(s: chex.Array) -> chex.Array:
  """S = max(sum_j s_j, 0), over the last axis (s may carry batch axes)."""
  return jnp.maximum(jnp.sum(s, axis=-1), 0)


def trac(
    inner: optax.GradientTransformation,
    betas: Sequence[float] = DEFAULT_BETAS,
    s_prev: float = 1e-8,
    eps: float = 1e-8,
    delta_dtype: Optional[Any] = None,
    reference: Literal["implied", "stored"] = "implied",
    check_anchor: bool = True,
) -> optax.GradientTransformationExtraArgs:
  r"""TRAC: scales an inner optimizer's accumulated steps by a parameter-free tuner.

  TRAC keeps the reference point :math:`\theta_{ref}` (the params at the first
  update) and the sum :math:`\Delta_t` of the inner transformation's updates, and
  sets :math:`\theta_t = \theta_{ref} + S_t \Delta_t`. The scale :math:`S_t` is
  chosen online by an erfi-potential tuner fed with
  :math:`h_t = \langle g_t, \Delta_t \rangle`, over several discount factors:

  .. math::
    u_t, \text{inner} &= \text{inner.update}(g_t, \text{inner}, \theta_{ref} + \Delta_t) \\
    \Delta_{t+1} &= \Delta_t + u_t \\
    v_j &\leftarrow \beta_j^2 v_j + h_t^2, \qquad
    \sigma_j \leftarrow \beta_j \sigma_j - h_t \\
    s_j &= \frac{s_{prev}}{\mathrm{erfi}(1/\sqrt 2)}\,
           \mathrm{erfi}\Big(\frac{\sigma_j}{\sqrt{2 v_j} + \epsilon}\Big), \qquad
    S_{t+1} = \max\big(\textstyle\sum_j s_j, 0\big) \\
    \theta_{t+1} &= \theta_{ref} + S_{t+1} \Delta_{t+1}

  The returned update is :math:`\theta_{t+1} - \theta_t =
  (S_{t+1} - S_t)\Delta_t + S_{t+1} u_t`, so ``optax.apply_updates`` lands on
  :math:`\theta_{t+1}`. Unlike the reference implementation, :math:`\Delta` is
  kept in the state rather than rebuilt from the params as
  :math:`(\theta_t - \theta_{ref}) / (S_t + \epsilon)`, which rounds to zero in
  float32 while :math:`S_t |\Delta_t|` is below the spacing of the weights (at
  the start, with non-zero weights) and then never moves. The state holds one
  params-sized buffer beyond the inner state, as the reference does.

  Where :math:`\theta_{ref}` lives: by default (``reference="implied"``) it is
  not stored but implied as :math:`\theta_t - S_t \Delta_t`, from the params
  given to ``update``. Whatever else changes the params (a transformation
  chained after ``trac``, a projection of the params, the rounding of bf16
  params on every step) then moves, for good, the point TRAC pulls back to.
  Keep ``trac`` last in the chain (clipping the gradient before it is fine) and
  apply its updates as they are; where that cannot be, use
  ``reference="stored"``: the state keeps :math:`\theta_{ref}` (one more
  params-sized buffer), the update is
  :math:`\theta_{ref} + S_{t+1}\Delta_{t+1} - \theta_t`, so any change made to
  the params is undone at the next step rather than carried forward, and the
  inner runs on :math:`\theta_{ref} + \Delta_t` exactly.

  Finiteness: h is accumulated in float32 (float64 for float64 params) and
  saturates at the format's largest value if it overflows, v and sigma saturate
  there too, and the erfi argument is clipped at 9 (26 in float64), so for any
  h that is not NaN, S stays finite:
  :math:`S \le n\, s_{prev}\, \mathrm{erfi}(9) / \mathrm{erfi}(1/\sqrt2)
  \approx 10^{26}\, n\, (s_{prev} / 10^{-8})` (6e26 for the defaults).
  A NaN h (a NaN gradient; an inf one where :math:`\Delta` is 0; or, with huge
  gradients and steps, terms that overflow to both +inf and -inf) is not
  hidden: S, the tuner's state and the updates become NaN, and stay so. To
  skip such steps and keep the state, wrap the transformation:
  ``optax.apply_if_finite(trac(inner), max_consecutive_errors)``.

  Args:
    inner: the base transformation (the paper's BASE), e.g. ``optax.adam(lr)``.
      Extra keyword arguments given to ``update`` are forwarded to it.
    betas: discount factors of the tuner, each in (0, 1]; one scale per beta.
      A sequence of Python floats: its length sets the state's shape.
    s_prev: the tuner's initial wealth; the scale starts at about this size.
      A scalar: a Python float or an array, traced ones included, so that
      ``optax.inject_hyperparams(trac)(inner=..., s_prev=schedule)`` can
      schedule it or expose it in the state (checked only where concrete).
    eps: added to :math:`\sqrt{2 v_j}` in the erfi argument; a scalar, like
      ``s_prev``.
    delta_dtype: dtype of :math:`\Delta` in the state (default: each param's
      dtype); e.g. ``jnp.float32`` to accumulate bf16 models' steps exactly.
      Under ``optax.inject_hyperparams`` give it as a string (``'float32'``):
      a dtype class is callable, and would be taken for a schedule.
    reference: how :math:`\theta_{ref}` is kept. ``"implied"`` (default):
      :math:`\theta_t - S_t \Delta_t`, no memory, exact as long as nothing
      but this transformation's updates moves the params; :math:`\theta_{ref}`
      is then the params at the first update. ``"stored"``: the params given to
      ``init``, kept in the state, so that nothing else moves the anchor.
    check_anchor: with ``reference="implied"``, check at every update that
      the anchor has not moved (small reductions over a sample of the largest
      leaf, three scalars in the state; see :func:`anchor_drift`):
      a misordered chain then shows, as a warning from :func:`get_scale`
      outside ``jit``. ``False`` drops the check.

  Returns:
    An ``optax.GradientTransformationExtraArgs`` whose ``update`` requires
    ``params``. Its state is a :class:`TracState`; read the scale with
    :func:`get_scale`; check where the params sit with :func:`anchor_error`.

  Raises:
    ValueError: at construction, for an option out of its range; at ``init``,
      for a param that is not a real float array (integer params cannot take
      a real S times a step), or if ``inner`` contains a ``trac`` itself (one TRAC around another is never
      what is meant: each would pull the params back to its own reference).

  References:
    Muppidi, Zhang & Yang, `Fast TRAC: A Parameter-Free Optimizer for Lifelong
    Reinforcement Learning <https://arxiv.org/abs/2405.16642>`_, NeurIPS 2024.
    Zhang, Yang, Cutkosky & Paschalidis, `Improving Adaptive Online Learning
    Using Refined Discretization <https://arxiv.org/abs/2309.16044>`_, 2024.

  Example:
    >>> import jax.numpy as jnp, optax, trac_optax
    >>> opt = optax.chain(optax.clip_by_global_norm(0.5),
    ...                   trac_optax.trac(optax.adam(1e-3)))
    >>> params = {'w': jnp.ones(3)}
    >>> state = opt.init(params)
    >>> grads = {'w': jnp.array([0.1, -0.2, 0.3])}
    >>> updates, state = opt.update(grads, state, params)
    >>> params = optax.apply_updates(params, updates)
    >>> S = trac_optax.get_scale(state)

    Params rounded to bfloat16 on every step, with the anchor kept exactly:

    >>> opt = trac_optax.trac(optax.adam(1e-3), reference="stored")
    >>> params = {'w': jnp.ones(3, jnp.bfloat16)}
    >>> state = opt.init(params)
    >>> state.theta_ref['w'].dtype
    dtype(bfloat16)
  """
  betas = _validate(inner, betas, s_prev, eps, delta_dtype, reference)
  if not isinstance(check_anchor, bool):
    raise ValueError(f"trac: `check_anchor` must be True or False, got {check_anchor!r}.")
  stored = reference == "stored"
  checked = check_anchor and not stored
  inner = optax.with_extra_args_support(inner)
  n = len(betas)
  betas64 = np.asarray(betas, np.float64)
  # s_prev / erfi(1/sqrt 2): the reference's normalisation, so that s_j = s_prev
  # when sigma_j / sqrt(2 v_j) = 1/sqrt 2.
  s_unit = s_prev / _erfi_scalar(1.0 / math.sqrt(2.0))

  def init_fn(params):
    _check_float_params(params)
    dtype = _tuner_dtype(params)
    inner_state = inner.init(params)
    nested = get_scales(inner_state)
    if nested:
      raise ValueError(_NESTED.format(where=", ".join(p or "the top" for p in nested)))
    return TracState(
        inner_state=inner_state,
        count=jnp.zeros([], jnp.int32),
        delta=optax.tree.zeros_like(params, dtype=delta_dtype),
        v=jnp.zeros([n], dtype),
        sigma=jnp.full([n], _SIGMA_0, dtype),
        s=jnp.zeros([n], dtype),
        # A copy: a training step that donates both params and state must not get
        # the same buffer twice.
        theta_ref=jax.tree.map(lambda p: jnp.array(p, copy=True), params) if stored else None,
        anchor_check=jnp.zeros([3], dtype) if checked else None,
    )

  def tuner_step(h, v, sigma):
    """The erfi tuner: new (v, sigma, s) per beta from the scalar h_t."""
    dtype = v.dtype
    largest = jnp.finfo(dtype).max
    beta = jnp.asarray(betas64, dtype)
    beta_sq = jnp.asarray(betas64**2, dtype)
    # An overflow in <g, Delta> saturates; a NaN (a NaN or inf in the gradient) goes
    # through to v, sigma and S, so that a monitored S shows the fault.
    h = jnp.clip(h.astype(dtype), -largest, largest)
    v = jnp.minimum(beta_sq * v + h * h, largest)
    sigma = jnp.clip(beta * sigma - h, -largest, largest)
    # s_prev and eps may be arrays (inject_hyperparams makes them so, in the params'
    # dtype): the tuner computes in its own dtype whatever they are.
    denominator = jnp.maximum(math.sqrt(2.0) * jnp.sqrt(v) + jnp.asarray(eps, dtype),
                              jnp.finfo(dtype).tiny)
    limit = erfi_max_argument(dtype)
    s = jnp.asarray(s_unit, dtype) * erfi(jnp.clip(sigma / denominator, -limit, limit))
    return v, sigma, jnp.clip(s, -largest / n, largest / n)

  def update_fn(updates, state, params=None, **extra_args):
    if params is None:
      raise ValueError(_NO_PARAMS)
    S = _total_scale(state.s)
    # The inner runs on its own iterate theta_ref + Delta_t, so that e.g. decoupled
    # weight decay inside it acts as in the paper's Algorithm 1; implied, that is
    # theta_t + (1 - S_t) Delta_t. XLA drops this tree when the inner ignores its
    # params (adam, sgd).
    if stored:
      inner_params = jax.tree.map(
          lambda r, d: (r + d).astype(r.dtype), state.theta_ref, state.delta)
    else:
      inner_params = jax.tree.map(
          lambda p, d: (p + (1 - S) * d).astype(p.dtype), params, state.delta)
    u, inner_state = inner.update(updates, state.inner_state, inner_params, **extra_args)

    h = optax.tree.vdot(optax.tree.cast(updates, state.v.dtype),
                        optax.tree.cast(state.delta, state.v.dtype))
    anchor_check = state.anchor_check
    if anchor_check is not None:
      anchor_check = _next_anchor_check(
          anchor_check, state.count,
          *_anchor_fingerprint(params, state.delta, S.astype(state.v.dtype), state.v.dtype))
    v, sigma, s = tuner_step(h, state.v, state.sigma)
    S_next = _total_scale(s)

    # Delta_{t+1} = Delta_t + u_t, written so that XLA on CPU (which has no multi-output
    # fusion) updates a donated Delta in place instead of copying it every step:
    # * u_t is multiplied by a 1 that XLA cannot fold (0 * S_{t+1} = 0 for a finite
    #   S_{t+1}; a NaN S_{t+1}, from a NaN h, makes Delta NaN as it makes the update and
    #   the tuner's state NaN): this pass then depends on S_{t+1}, so it runs after the
    #   pass that reads Delta_t for h;
    # * the update below reads Delta_{t+1}, not Delta_t; XLA does not recompute an
    #   output that adds two full-size arrays inside its consumers, so it reads
    #   Delta_{t+1} back, and this pass is the last reader of Delta_t.
    one = 1 + 0 * S_next
    if anchor_check is not None:
      # The anchor check reads Delta_t too: this pass must also follow it, or XLA keeps a
      # copy of Delta_t for the check. A NaN projection (NaN params) does not reach Delta.
      # All three of its sums feed this, so that none is left to run after Delta is written.
      one = one + 0 * jnp.nan_to_num(jnp.sum(jnp.minimum(jnp.abs(anchor_check), 1)))
    delta = jax.tree.map(
        lambda d, du: (d + du * one.astype(du.dtype)).astype(d.dtype), state.delta, u)
    if stored:
      # theta_{t+1} - theta_t from the stored theta_ref: whatever moved theta_t away
      # from theta_ref + S_t Delta_t is undone, not carried forward.
      new_updates = jax.tree.map(
          lambda p, r, d: (r + S_next * d - p).astype(p.dtype), params, state.theta_ref, delta)
    else:
      # theta_{t+1} - theta_t = S_{t+1} Delta_{t+1} - S_t Delta_t
      #                       = (S_{t+1} - S_t) Delta_{t+1} + S_t u_t.
      new_updates = jax.tree.map(
          lambda p, d, du: ((S_next - S) * d + S * du).astype(p.dtype), params, delta, u)
    return new_updates, TracState(
        inner_state=inner_state,
        count=optax.safe_increment(state.count),
        delta=delta, v=v, sigma=sigma, s=s, theta_ref=state.theta_ref,
        anchor_check=anchor_check)

  return optax.GradientTransformationExtraArgs(init_fn, update_fn)


# The fields a TracState keeps when a framework turns it into a mapping by field
# name (flax NNX's nnx.state, orbax restoring without a target); empty ones
# (inner_state=(), theta_ref=None) may be dropped on the way.
_KEPT_FIELDS = frozenset({"count", "delta", "v", "sigma", "s"})


def _is_trac_state(x) -> bool:
  if isinstance(x, TracState):
    return True
  if isinstance(x, Mapping):
    keys = set(x.keys())
    return _KEPT_FIELDS <= keys <= set(TracState._fields)
  return False


def _per_beta_scales(state) -> chex.Array:
  """s_j of a TracState or of its mapping form; NNX's Variables are unwrapped."""
  s = state.s if isinstance(state, TracState) else state["s"]
  leaves = jax.tree.leaves(s)
  if len(leaves) != 1:
    raise ValueError(f"get_scale: the `s` field of a TracState should be one array, got {s!r}.")
  return jnp.asarray(leaves[0])


def get_scales(opt_state: optax.OptState, per_beta: bool = False) -> dict[str, chex.Array]:
  """Reads the scale of every :func:`trac` inside an optimizer state.

  Finds each :class:`TracState` wherever it sits (``chain``, ``multi_transform``,
  ``inject_hyperparams``, ``MultiSteps``, ``nnx.Optimizer.opt_state``, ...),
  and also a TracState turned into a mapping by its field names, as
  ``nnx.state(optimizer)`` and an orbax checkpoint restored without a target
  give it. Usable inside ``jit``; under an outer ``vmap`` call it inside the
  mapped function, or pass the batched state and get batched scales.

  Args:
    opt_state: the state of an optimizer that contains ``trac``.
    per_beta: if True, return the per-beta scales ``s_j`` (last axis) instead
      of the total ``S = max(sum_j s_j, 0)``.

  Returns:
    A dict from the path of each TracState in ``opt_state`` (as
    ``jax.tree_util.keystr`` writes it) to its scale.
  """
  found = jax.tree_util.tree_flatten_with_path(opt_state, is_leaf=_is_trac_state)[0]
  scales = {}
  for path, leaf in found:
    if _is_trac_state(leaf):
      s = _per_beta_scales(leaf)
      scales[jax.tree_util.keystr(path)] = s if per_beta else _total_scale(s)
  return scales


def get_scale(opt_state: optax.OptState, per_beta: bool = False) -> chex.Array:
  """Reads TRAC's scale S (or the per-beta ``s_j``) out of an optimizer state.

  Args:
    opt_state: the state of an optimizer that contains exactly one ``trac``.
    per_beta: if True, return the vector of per-beta scales ``s_j``.

  Returns:
    ``S = max(sum_j s_j, 0)``, a scalar (with any batch axes of the state), or
    the ``s_j`` along the last axis.

  Raises:
    ValueError: if the state contains no TRAC, or several (use
      :func:`get_scales` then).

  Example:
    >>> import jax, jax.numpy as jnp, optax, trac_optax
    >>> opt = optax.chain(optax.clip(1.0), trac_optax.trac(optax.sgd(0.1)))
    >>> float(trac_optax.get_scale(opt.init({'w': jnp.zeros(2)})))
    0.0
  """
  scales = get_scales(opt_state, per_beta)
  _warn_if_drifted(opt_state)
  if len(scales) != 1:
    where = f" (at {', '.join(scales)}); use trac_optax.get_scales" if scales else ""
    raise ValueError(
        f"get_scale: expected one TracState in the optimizer state, found {len(scales)}{where}.")
  return next(iter(scales.values()))


def anchor_drift(opt_state: optax.OptState) -> chex.Array:
  r"""How far the point TRAC pulls back to has moved since the first update, at most.

  With the default ``reference="implied"``, TRAC's anchor is
  :math:`\theta_{ref} = \theta_t - S_t \Delta_t`, read off the params it is
  given. In the documented order (``trac`` last in the chain, its updates
  applied as they are) that point never moves; a transformation chained after
  ``trac`` (a clip, a weight decay, a schedule), a projection of the params or
  their rounding moves it for good. Every update checks it cheaply, without a
  params-sized buffer: a fixed random :math:`\pm 1` projection of
  :math:`\theta_t - S_t \Delta_t`, over a fixed strided sample of at most
  about 4096 elements of the largest leaf (a misordered chain moves every
  leaf), is compared with its value at the first update, relative to
  :math:`\|\theta_{ref}\|` on the same sample: a few small kernels per step. In the documented order it stays at float
  rounding (below 1e-5 in float32); above ``trac_optax.ANCHOR_TOLERANCE``
  (1e-3), :func:`get_scale` called outside ``jit`` warns once.

  The projection estimates :func:`anchor_error` (the full distance, which needs
  :math:`\theta_{ref}`) up to a random factor of order one; a change confined to
  elements outside the sample (other leaves, or a few entries of the largest) goes
  unseen.

  Args:
    opt_state: an optimizer state that contains exactly one :func:`trac` state
      built with ``reference="implied"`` and ``check_anchor=True`` (the defaults).

  Returns:
    A scalar (with any batch axes of the state): the largest relative drift seen.

  Raises:
    ValueError: if the state holds no TracState or several, or that TRAC does not
      check its anchor (``reference="stored"``, which keeps the anchor itself, or
      ``check_anchor=False``).

  Example:
    >>> import jax.numpy as jnp, optax, trac_optax
    >>> opt = optax.chain(trac_optax.trac(optax.adam(1e-2)), optax.clip(1e-3))  # misordered
    >>> params = {'w': jnp.ones(3)}
    >>> state = opt.init(params)
    >>> for _ in range(100):
    ...   updates, state = opt.update({'w': params['w'] - 2.0}, state, params)
    ...   params = optax.apply_updates(params, updates)
    >>> bool(trac_optax.anchor_drift(state) > trac_optax.ANCHOR_TOLERANCE)
    True
  """
  state = _find_trac_state(opt_state, "anchor_drift")
  if state.anchor_check is None:
    raise ValueError(
        "anchor_drift: this trac does not check its anchor (reference='stored' keeps "
        "theta_ref in the state; use anchor_error there), or check_anchor=False.")
  leaves = jax.tree.leaves(state.anchor_check)  # unwraps nnx Variables
  return jnp.asarray(leaves[0])[..., 2]


_warned_drift = [False]


def _warn_if_drifted(opt_state) -> None:
  """Outside jit, once per process: a warning when a trac's anchor has drifted."""
  if _warned_drift[0]:
    return
  found = [leaf for leaf in jax.tree.leaves(
      opt_state, is_leaf=lambda x: isinstance(x, TracState)) if isinstance(leaf, TracState)]
  for state in found:
    leaves = jax.tree.leaves(state.anchor_check)  # unwraps nnx Variables
    if len(leaves) != 1 or isinstance(leaves[0], jax.core.Tracer):
      continue  # no check, or inside jit: anchor_drift reads it there
    try:
      drift = float(np.max(np.asarray(leaves[0])[..., 2]))
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError,
            TypeError, IndexError):
      continue
    if drift > ANCHOR_TOLERANCE:
      _warned_drift[0] = True
      warnings.warn(
          f"trac: the point TRAC pulls back to has moved by {drift:.3g} of |theta_ref| since "
          "the first update: something changes TRAC's updates or the params between steps "
          "(a transformation chained after trac, such as a clip, a weight decay or a "
          "schedule; a projection; bf16 rounding). Keep trac last in the chain (clip the "
          "gradient before it, schedule the inner's learning rate, decay inside the inner: "
          "trac(optax.adamw(...))), or use trac(..., reference='stored'). "
          "See trac_optax.anchor_drift.", stacklevel=3)
      return


def _find_trac_state(opt_state, caller):
  found = [leaf for leaf in jax.tree.leaves(
      opt_state, is_leaf=lambda x: isinstance(x, TracState)) if isinstance(leaf, TracState)]
  if len(found) != 1:
    raise ValueError(
        f"{caller}: expected one TracState in the optimizer state, found {len(found)}.")
  return found[0]


def anchor_error(
    params: optax.Params,
    opt_state: optax.OptState,
    theta_ref: Optional[optax.Params] = None,
    relative: bool = True,
) -> chex.Array:
  r"""How far the params sit from where TRAC put them, :math:`\theta_{ref} + S\Delta`.

  TRAC's updates, applied as they are, put the params at
  :math:`\theta_t = \theta_{ref} + S_t \Delta_t`. Anything else that moves
  them (a transformation chained after ``trac``, a projection, bf16 rounding)
  shows here as
  :math:`\|\theta_t - \theta_{ref} - S_t \Delta_t\| / \|\theta_{ref}\|`
  (global L2 norms over the tree, in float32, or float64 for float64
  params). In the documented order (``trac`` last, its updates applied as they
  are) this is a float rounding: about 1e-6 after 1e3 float32 steps. With
  the default ``reference="implied"`` the error is the drift of the point
  TRAC pulls back to, and it accumulates; with ``reference="stored"`` it is what
  moved the params since the last step, which the next step undoes.

  Call it with the params and state *after* ``optax.apply_updates``, inside
  ``jit`` or not, to log it or to assert on it.

  Args:
    params: the current params :math:`\theta_t`.
    opt_state: an optimizer state that contains exactly one :func:`trac` state
      (as an instance of :class:`TracState`, anywhere in it).
    theta_ref: the params TRAC started from (those given to ``init``, or at
      the first update). Needed with ``reference="implied"``, which does not
      keep them; with ``reference="stored"`` the state's copy is used when
      this is None.
    relative: divide by :math:`\|\theta_{ref}\|` (not when that is 0).

  Returns:
    A scalar: the relative (or absolute) distance.

  Raises:
    ValueError: if the state holds no TracState or several, or if
      ``theta_ref`` is needed and not given.

  Example:
    >>> import jax.numpy as jnp, optax, trac_optax
    >>> opt = trac_optax.trac(optax.adam(1e-2))
    >>> theta_0 = params = {'w': jnp.ones(3)}
    >>> state = opt.init(params)
    >>> for _ in range(100):
    ...   updates, state = opt.update({'w': params['w'] - 2.0}, state, params)
    ...   params = optax.apply_updates(params, updates)
    >>> bool(trac_optax.anchor_error(params, state, theta_0) < 1e-5)
    True
  """
  state = _find_trac_state(opt_state, "anchor_error")
  if theta_ref is None:
    theta_ref = state.theta_ref
    if theta_ref is None:
      raise ValueError(
          "anchor_error: this trac keeps no theta_ref (reference='implied'): pass "
          "theta_ref=, the params given to init.")
  dtype = state.v.dtype
  S = _total_scale(state.s).astype(dtype)
  error = jax.tree.map(
      lambda p, r, d: p.astype(dtype) - r.astype(dtype) - S * d.astype(dtype),
      params, theta_ref, state.delta)
  distance = optax.tree.norm(error)
  if not relative:
    return distance
  size = optax.tree.norm(optax.tree.cast(theta_ref, dtype))
  return jnp.where(size > 0, distance / jnp.where(size > 0, size, 1), distance)
