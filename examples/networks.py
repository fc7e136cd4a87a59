"""Actor-critic networks for PPO.

Both networks take a batch of observations `[B, *obs_shape]` and return a
`distrax.Categorical` policy and the state values `[B]`. Every hidden layer's
output (after its activation) is recorded with `sow` in the "activations"
collection, which `examples.plasticity.dormant_fraction` reads.

Initialisation ("he", the default) is variance scaling (He for hidden layers, 0.01
for the policy head, 1 for the value head), not PureJaxRL's orthogonal one:
orthogonal init runs a QR decomposition, which can deadlock jaxlib's CPU runtime
under `vmap`. The MLP also offers "torch", PyTorch's default for `nn.Linear`
(weights and biases uniform in +-1/sqrt(fan_in)), which the published Gym-control
experiments were run with.
"""

import dataclasses
from typing import Sequence

import distrax
import flax.linen as nn
import jax
import jax.numpy as jnp

ACTIVATIONS = {
    "tanh": nn.tanh,
    "relu": nn.relu,
    "leaky_relu": lambda x: nn.leaky_relu(x, negative_slope=0.1),
}
_HIDDEN_INIT = nn.initializers.variance_scaling(2.0, "fan_in", "truncated_normal")
INITS = ("he", "torch")


def _torch_dense(size: int, fan_in: int, name=None) -> nn.Dense:
  """`nn.Dense` initialised as PyTorch's `nn.Linear`: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
  bound = fan_in ** -0.5
  return nn.Dense(size, name=name,
                  kernel_init=nn.initializers.variance_scaling(1 / 3, "fan_in", "uniform"),
                  bias_init=lambda key, shape, dtype=jnp.float32: jax.random.uniform(
                      key, shape, dtype, -bound, bound))


def _head(size: int, scale: float) -> nn.Dense:
  return nn.Dense(size, kernel_init=nn.initializers.variance_scaling(
      scale, "fan_in", "truncated_normal"))


class MLPActorCritic(nn.Module):
  """Separate MLPs for the policy logits and the value, over the flattened observation."""

  num_actions: int
  hidden_sizes: Sequence[int] = (64, 64)
  activation: str = "tanh"
  init_scheme: str = "he"  # one of INITS

  @nn.compact
  def __call__(self, obs: jax.Array):
    act = ACTIVATIONS[self.activation]
    x = obs.reshape(obs.shape[0], -1).astype(jnp.float32)
    torch = self.init_scheme == "torch"

    def dense(size, x, name=None):
      return _torch_dense(size, x.shape[-1], name)(x) if torch else nn.Dense(
          size, kernel_init=_HIDDEN_INIT, name=name)(x)

    def mlp(x, name):
      for i, size in enumerate(self.hidden_sizes):
        x = act(dense(size, x, f"{name}_{i}"))
        self.sow("activations", f"{name}_{i}_out", x)
      return x

    actor, critic = mlp(x, "actor"), mlp(x, "critic")
    if torch:
      logits, value = dense(self.num_actions, actor), dense(1, critic)
    else:
      logits = _head(self.num_actions, 0.01)(actor)  # near-uniform initial policy
      value = _head(1, 1.0)(critic)
    return distrax.Categorical(logits=logits), jnp.squeeze(value, -1)


class ConvActorCritic(nn.Module):
  """A shared torso (one 3x3 convolution, one dense layer) with policy and value heads.

  The MinAtar network of Young & Tian (2019): 16 3x3 filters with stride 1 and no
  padding, then a dense layer of 128 units.
  """

  num_actions: int
  channels: int = 16
  hidden_size: int = 128
  activation: str = "relu"

  @nn.compact
  def __call__(self, obs: jax.Array):
    act = ACTIVATIONS[self.activation]
    x = act(nn.Conv(self.channels, (3, 3), padding="VALID", kernel_init=_HIDDEN_INIT,
                    name="conv")(obs.astype(jnp.float32)))
    self.sow("activations", "conv_out", x)
    x = act(nn.Dense(self.hidden_size, kernel_init=_HIDDEN_INIT,
                     name="dense")(x.reshape(x.shape[0], -1)))
    self.sow("activations", "dense_out", x)
    logits = _head(self.num_actions, 0.01)(x)
    value = _head(1, 1.0)(x)
    return distrax.Categorical(logits=logits), jnp.squeeze(value, -1)


@dataclasses.dataclass(frozen=True)
class NetworkSpec:
  """Plain data naming a network: `kind` ("mlp" or "cnn") and its sizes."""

  kind: str = "mlp"
  hidden_sizes: tuple[int, ...] = (64, 64)  # "mlp": per network (actor and critic)
  activation: str = "tanh"
  channels: int = 16  # "cnn": convolution filters
  hidden_size: int = 128  # "cnn": units of the dense layer
  init: str = "he"  # "mlp": one of INITS

  def build(self, num_actions: int) -> nn.Module:
    if self.init not in INITS:
      raise ValueError(f"unknown init {self.init!r}; expected one of {INITS}")
    if self.kind == "mlp":
      return MLPActorCritic(num_actions, tuple(self.hidden_sizes), self.activation, self.init)
    if self.kind == "cnn":
      return ConvActorCritic(num_actions, self.channels, self.hidden_size, self.activation)
    raise ValueError(f"unknown network kind {self.kind!r}; expected 'mlp' or 'cnn'")

  def describe(self) -> str:
    if self.kind == "mlp":
      return (f"MLP {'x'.join(map(str, self.hidden_sizes))} {self.activation}, "
              f"actor and critic separate{', torch init' if self.init == 'torch' else ''}")
    return (f"CNN: conv {self.channels}x3x3, dense {self.hidden_size}, {self.activation}, "
            "shared torso")

