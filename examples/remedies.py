"""Common remedies for loss of plasticity, as optax transformations.

These are the baselines that TRAC is compared against in the lifelong
experiments. Each is a :class:`optax.GradientTransformation` to be chained with
a base optimizer:

* :func:`l2_init`: L2 regularisation toward the initial parameters
  (regenerative regularisation), chained *before* the base optimizer::

    optax.chain(l2_init(1e-3), optax.adam(3e-4))

* :func:`shrink_perturb`: Shrink & Perturb every ``every`` updates, chained
  *after* the base optimizer::

    optax.chain(optax.adam(3e-4), shrink_perturb(0.8, 1e-2, 1000, key))

* :func:`weight_clip`: Weight Clipping, each weight kept within kappa times its
  layer's initial range, chained *after* the base optimizer::

    optax.chain(optax.adam(3e-4), weight_clip(2.0))

Other usual remedies need no transformation of their own: Adam with equal
moment decays (``optax.adam(lr, b1=0.99, b2=0.99)``), Mechanic
(``optax.contrib.mechanize``), and resetting the optimizer state at a task
switch (done in the training loop).

Every numeric option may be a Python number or a (possibly traced) JAX scalar,
so that a grid of hyperparameters can be vmapped, e.g.
``jax.vmap(lambda lam: train(optax.chain(l2_init(lam), base)))(lams)``.
Concrete options are validated when the transformation is built; traced ones
cannot be, and are used as given.
"""

from typing import NamedTuple, Optional

import jax
import jax.numpy as jnp
import numpy as np
import optax

__all__ = ["L2InitState", "ShrinkPerturbState", "WeightClipState", "l2_init", "shrink_perturb",
           "weight_clip"]


# ----------------------------------------------------------------------------
# Option checks: only where the value is concrete (never forces a tracer).
# ----------------------------------------------------------------------------


def _concrete_scalar(name: str, value) -> Optional[float]:
  """`value` as a Python float if concrete, None if traced; ValueError if not a real scalar."""
  if value is None or isinstance(value, (str, bytes, bool, np.bool_)):
    raise ValueError(f"`{name}` must be a real number, got {value!r}.")
  try:
    shape = jnp.shape(value)
    dtype = jnp.result_type(value)
  except TypeError as e:
    raise ValueError(f"`{name}` must be a real number, got {value!r}.") from e
  if shape != ():
    raise ValueError(
        f"`{name}` must be a scalar, got shape {shape}; to run a grid of values, "
        "build the transformation inside jax.vmap over them.")
  if not (jnp.issubdtype(dtype, jnp.integer) or jnp.issubdtype(dtype, jnp.floating)):
    raise ValueError(f"`{name}` must be a real number, got dtype {dtype}.")
  try:
    return float(value)
  except jax.errors.ConcretizationTypeError:
    return None  # traced (jit, vmap, grad ...): cannot be checked here


def _check_nonnegative(name: str, value) -> Optional[float]:
  v = _concrete_scalar(name, value)
  if v is not None and not (0.0 <= v < float("inf")):
    raise ValueError(f"`{name}` must be finite and >= 0, got {value!r}.")
  return v


_NO_PARAMS = (
    "{name}: `update` needs the current params: call "
    "`opt.update(updates, state, params)`.")


# ----------------------------------------------------------------------------
# L2 toward the initial parameters.
# ----------------------------------------------------------------------------


class L2InitState(NamedTuple):
  """State of :func:`l2_init`: the parameters the penalty pulls toward."""

  initial_params: optax.Params  # theta_0, the params given to `init`


def l2_init(strength) -> optax.GradientTransformation:
  r"""Add the gradient of an L2 penalty toward the initial parameters.

  Regenerative regularisation ("L2 Init") keeps a network plastic in continual
  learning by penalising its distance to the parameters it started from rather
  than to zero, as weight decay does. With :math:`\theta_0` the parameters given
  to ``init`` and :math:`\lambda` the ``strength``, the update :math:`g_t` is
  replaced by the gradient of :math:`\ell(\theta) + \frac{\lambda}{2}
  \|\theta - \theta_0\|^2`:

  .. math::

    g_t \leftarrow g_t + \lambda \, (\theta_t - \theta_0).

  Chain it *before* the base optimizer, so that the penalty goes through it as
  part of the gradient (``optax.chain(l2_init(lam), optax.adam(lr))``). With
  plain SGD at learning rate :math:`\eta` and no task gradient, each update
  multiplies :math:`\theta - \theta_0` by :math:`1 - \eta\lambda`; under a
  constant gradient :math:`g` the fixed point is :math:`\theta_0 - g / \lambda`.
  With :math:`\lambda = 0` it returns its input unchanged.

  Args:
    strength: :math:`\lambda \ge 0`, the coefficient of the penalty. A Python
      number (checked here) or a JAX scalar, possibly traced (e.g. vmapped over
      a grid; then it is not checked).

  Returns:
    A :class:`optax.GradientTransformation` whose state is an
    :class:`L2InitState`, and whose ``update`` requires ``params``.

  Raises:
    ValueError: if a concrete ``strength`` is negative, not finite or not a
      scalar; and from ``update`` when ``params`` is not given.

  References:
    Kumar, Marklund & Van Roy, `Maintaining Plasticity in Continual Learning
    via Regenerative Regularization <https://arxiv.org/abs/2308.11958>`_, 2023.

  Examples:
    >>> import jax.numpy as jnp
    >>> import optax
    >>> from examples.remedies import l2_init
    >>> opt = optax.chain(l2_init(0.5), optax.sgd(0.5))
    >>> theta_0 = jnp.array([1.0, -2.0])
    >>> state = opt.init(theta_0)
    >>> params = theta_0 + 4.0  # drifted away, e.g. on a previous task
    >>> for _ in range(3):  # no task gradient: pulled back by 1 - 0.5 * 0.5
    ...   updates, state = opt.update(jnp.zeros(2), state, params)
    ...   params = optax.apply_updates(params, updates)
    ...   print(params - theta_0)
    [3. 3.]
    [2.25 2.25]
    [1.6875 1.6875]
  """
  concrete = _check_nonnegative("strength", strength)

  def init_fn(params):
    # A copy, so that a caller donating its params buffers keeps theta_0 intact.
    return L2InitState(initial_params=jax.tree.map(lambda p: jnp.array(p, copy=True), params))

  def update_fn(updates, state, params=None):
    if params is None:
      raise ValueError(_NO_PARAMS.format(name="l2_init"))
    if concrete == 0.0:
      return updates, state

    def pull(g, p, p0):
      if g is None:
        return None
      return (g + strength * (p - p0)).astype(g.dtype)

    updates = jax.tree.map(
        pull, updates, params, state.initial_params, is_leaf=lambda x: x is None)
    return updates, state

  return optax.GradientTransformation(init_fn, update_fn)


# ----------------------------------------------------------------------------
# Shrink & Perturb.
# ----------------------------------------------------------------------------


class ShrinkPerturbState(NamedTuple):
  """State of :func:`shrink_perturb`."""

  count: jax.Array  # int32 scalar: updates done so far
  key: jax.Array  # PRNG key for the next perturbation (split at each use)


def _canonical_key(key) -> jax.Array:
  """A single PRNG key: typed keys and raw uint32 keys are kept as they are, int seeds made keys."""
  if isinstance(key, (bool, np.bool_)):
    raise ValueError(f"`key` must be a jax PRNG key, got {key!r}.")
  if isinstance(key, (int, np.integer)):
    return jax.random.key(key)
  dtype = getattr(key, "dtype", None)
  if dtype is None:
    raise ValueError(
        f"`key` must be a jax PRNG key (jax.random.key or jax.random.PRNGKey), got {key!r}.")
  shape = jnp.shape(key)
  if jnp.issubdtype(dtype, jax.dtypes.prng_key):
    if shape != ():
      raise ValueError(
          f"`key` must be a single PRNG key, got a batch of shape {shape}; to run "
          "several seeds, build the transformation inside jax.vmap over the keys.")
    return key
  raw_shape = jax.random.key_data(jax.random.key(0)).shape
  if dtype == jnp.uint32 and shape == raw_shape:
    return jnp.asarray(key)
  if jnp.issubdtype(dtype, jnp.integer) and shape == ():
    return jax.random.key(key)  # an integer seed, possibly traced
  raise ValueError(
      f"`key` must be a single jax PRNG key (a typed key, a uint32 array of shape "
      f"{raw_shape} or an integer seed), got dtype {dtype} and shape {shape}.")


def _check_every(every) -> None:
  message = f"`every` must be an integer >= 1, got {every!r}."
  if every is None or isinstance(every, (str, bytes, bool, np.bool_)):
    raise ValueError(message)
  try:
    dtype = jnp.result_type(every)
  except TypeError as e:
    raise ValueError(message) from e
  if not jnp.issubdtype(dtype, jnp.integer):  # the dtype is known even when traced
    raise ValueError(message)
  k = _concrete_scalar("every", every)
  if k is not None and k < 1:
    raise ValueError(message)


def shrink_perturb(shrink, noise_scale, every, key) -> optax.GradientTransformation:
  r"""Shrink the parameters and add noise to them every ``every`` updates.

  Shrink & Perturb restores the trainability of a warm-started network by
  scaling its weights down and adding a little noise. Chained *after* the base
  optimizer, it receives the base's update :math:`u_t` and, on the updates
  :math:`t = K, 2K, 3K, \dots` (counting from 1), returns the update that lands
  the parameters on

  .. math::

    \theta_{t+1} = \alpha \, (\theta_t + u_t) + \sigma \, \epsilon_t,
    \qquad \epsilon_t \sim \mathcal{N}(0, I),

  that is :math:`u_t + (\alpha - 1)(\theta_t + u_t) + \sigma \epsilon_t`; on
  the other updates it returns :math:`u_t` unchanged. Here :math:`\alpha` is
  ``shrink``, :math:`\sigma` is ``noise_scale`` and :math:`K` is ``every``. The
  noise is isotropic, drawn independently per leaf in the leaf's dtype, from a
  key split off the state's key at each perturbation (so the :math:`n`-th
  perturbation uses the same noise whatever :math:`K`). With
  :math:`\alpha = 1, \sigma = 0` it returns its input unchanged.

  Each option may be a Python number (checked here) or a JAX scalar, possibly
  traced (e.g. vmapped over a grid of options or over seeds; then it is not
  checked, and ``every`` must still have an integer dtype).

  Args:
    shrink: :math:`\alpha \in (0, 1]`, the factor the parameters are scaled by.
    noise_scale: :math:`\sigma \ge 0`, the standard deviation of the noise.
    every: :math:`K \ge 1`, an integer: perturb on every :math:`K`-th update.
    key: a jax PRNG key, typed (``jax.random.key``) or raw
      (``jax.random.PRNGKey``), or an integer seed.

  Returns:
    A :class:`optax.GradientTransformation` whose state is a
    :class:`ShrinkPerturbState`, and whose ``update`` requires ``params``.

  Raises:
    ValueError: if a concrete option is out of range, not a scalar, ``every``
      is not an integer, or ``key`` is not a single key or seed; and from
      ``update`` when ``params`` is not given.

  References:
    Ash & Adams, `On Warm-Starting Neural Network Training
    <https://arxiv.org/abs/1910.08475>`_, NeurIPS 2020.

  Examples:
    >>> import jax
    >>> import jax.numpy as jnp
    >>> import optax
    >>> from examples.remedies import shrink_perturb
    >>> opt = optax.chain(
    ...     optax.sgd(0.1), shrink_perturb(0.5, 0.0, every=3, key=jax.random.key(0)))
    >>> params = jnp.array([4.0, -8.0])
    >>> state = opt.init(params)
    >>> for t in range(1, 7):  # no gradient: only the shrink moves the params
    ...   updates, state = opt.update(jnp.zeros(2), state, params)
    ...   params = optax.apply_updates(params, updates)
    ...   print(t, params)
    1 [ 4. -8.]
    2 [ 4. -8.]
    3 [ 2. -4.]
    4 [ 2. -4.]
    5 [ 2. -4.]
    6 [ 1. -2.]
  """
  alpha = _concrete_scalar("shrink", shrink)
  if alpha is not None and not 0.0 < alpha <= 1.0:
    raise ValueError(f"`shrink` must be in (0, 1], got {shrink!r}.")
  _check_nonnegative("noise_scale", noise_scale)
  _check_every(every)
  key = _canonical_key(key)

  def init_fn(params):
    del params
    return ShrinkPerturbState(count=jnp.zeros([], jnp.int32), key=key)

  # The branches are built once, not at each update, so that lax.cond's trace
  # cache hits when updates run op by op (outside jit).
  def perturb(operands):
    updates, params, key = operands
    key, sample_key = jax.random.split(key)
    eps = optax.tree.random_like(sample_key, params, jax.random.normal)

    def leaf(u, p, e):
      if u is None:
        return None
      # = shrink * (p + u) + noise_scale * e - p, written so that shrink = 1,
      # noise_scale = 0 give back u exactly.
      return (u + (shrink - 1) * (p + u) + noise_scale * e).astype(u.dtype)

    updates = jax.tree.map(leaf, updates, params, eps, is_leaf=lambda x: x is None)
    return updates, key

  def keep(operands):
    updates, _, key = operands
    return updates, key

  def update_fn(updates, state, params=None):
    if params is None:
      raise ValueError(_NO_PARAMS.format(name="shrink_perturb"))
    count = optax.safe_increment(state.count)
    updates, key = jax.lax.cond(
        count % every == 0, perturb, keep, (updates, params, state.key))
    return updates, ShrinkPerturbState(count=count, key=key)

  return optax.GradientTransformation(init_fn, update_fn)


# ----------------------------------------------------------------------------
# Weight clipping.
# ----------------------------------------------------------------------------


class WeightClipState(NamedTuple):
  """State of :func:`weight_clip`: each leaf's initial range."""

  initial_range: optax.Params  # per leaf, max |theta_0| (inf where theta_0 is all zero)


def weight_clip(kappa) -> optax.GradientTransformation:
  r"""Keep every weight within ``kappa`` times its layer's initial range.

  Weight Clipping (Elsayed et al., 2024) stops the weights from growing without
  bound, one cause of lost plasticity: after each step, every weight of layer
  :math:`l` is clipped to :math:`[-\kappa s_l, \kappa s_l]`, where :math:`s_l`
  bounds the layer's initial distribution. Here :math:`s_l` is read from the
  params given to ``init``: the largest :math:`|	heta_0|` of each leaf (the
  support of a uniform initialisation, as PyTorch's default, up to sampling). A
  leaf that starts all zero (flax's default biases) has no range and is not
  clipped. The returned update lands the params on the clipped values.

  Chain it *after* the base optimizer (``optax.chain(optax.adam(lr),
  weight_clip(kappa))``), so that it clips the params the step arrives at.

  Args:
    kappa: :math:`\kappa > 0`, the clipping bound in units of the initial range.
      A Python number (checked here) or a JAX scalar, possibly traced.

  Returns:
    A :class:`optax.GradientTransformation` whose state is a
    :class:`WeightClipState`, and whose ``update`` requires ``params``.

  Raises:
    ValueError: if a concrete ``kappa`` is not a finite number > 0; and from
      ``update`` when ``params`` is not given.

  References:
    Elsayed, Lan, Lyle & Mahmood, `Weight Clipping for Deep Continual and
    Reinforcement Learning <https://arxiv.org/abs/2407.01704>`_, RLC 2024.

  Examples:
    >>> import jax.numpy as jnp
    >>> import optax
    >>> from examples.remedies import weight_clip
    >>> opt = optax.chain(optax.sgd(1.0), weight_clip(2.0))
    >>> params = {'w': jnp.array([0.5, -0.25])}
    >>> state = opt.init(params)
    >>> updates, state = opt.update({'w': jnp.array([-3.0, 0.5])}, state, params)
    >>> optax.apply_updates(params, updates)['w']  # 3.5 clipped to 2 x 0.5
    Array([ 1.  , -0.75], dtype=float32)
  """
  value = _concrete_scalar("kappa", kappa)
  if value is not None and not (0.0 < value < float("inf")):
    raise ValueError(f"`kappa` must be finite and > 0, got {kappa!r}.")

  def init_fn(params):
    def initial_range(p):
      largest = jnp.max(jnp.abs(p)) if jnp.size(p) else jnp.zeros([], jnp.result_type(p))
      return jnp.where(largest > 0, largest, jnp.inf).astype(jnp.result_type(p))
    return WeightClipState(jax.tree.map(initial_range, params))

  def update_fn(updates, state, params=None):
    if params is None:
      raise ValueError(_NO_PARAMS.format(name="weight_clip"))

    def clipped(u, p, r):
      limit = (kappa * r).astype(p.dtype)
      return (jnp.clip(p + u, -limit, limit) - p).astype(u.dtype)

    return jax.tree.map(clipped, updates, params, state.initial_range), state

  return optax.GradientTransformation(init_fn, update_fn)
