"""Named PPO settings: PPO's hyperparameters, the network and the default learning rate."""

import dataclasses
from typing import Optional

from examples.networks import NetworkSpec
from examples.ppo import PPOConfig


@dataclasses.dataclass(frozen=True)
class Preset:
  ppo: PPOConfig
  network: NetworkSpec
  lr: float  # default learning rate of Adam and of TRAC's inner Adam
  about: str
  # Observation shifts: episodes are cut (and bootstrapped) after this many steps
  # (gymnax's `max_steps_in_episode`); None: the environment's own limit.
  time_limit: Optional[int] = None


PRESETS = {
    # The TRAC paper's Gym-control setting (its reference notebook): 3x128
    # LeakyReLU(0.1) networks, lr 1e-2, 5 epochs of minibatches of 32, rewards / 20,
    # no gradient clipping, no learning-rate annealing.
    "paper": Preset(
        PPOConfig(num_epochs=5, num_minibatches=16, max_grad_norm=None, reward_scale=1 / 20),
        NetworkSpec("mlp", (128, 128, 128), "leaky_relu"),
        lr=1e-2,
        about="the TRAC paper's Gym-control PPO"),
    # The published continual Gym-control protocol (the TRAC paper's notebook as
    # C-CHAIN runs it, control_train_aligned_vanilla.py): one environment, 800 steps
    # per update in fresh episodes cut at 400 steps, 5 epochs of minibatches of 32
    # (125 optimizer steps per update), value regressed on the rewards-to-go, rewards
    # / 20, no clipping, no annealing, 3x128 LeakyReLU(0.1) networks with PyTorch's
    # init, Adam lr 1e-3 (C-CHAIN's; the notebook's is 1e-2).
    "published": Preset(
        PPOConfig(num_envs=1, num_steps=800, num_epochs=5, num_minibatches=25,
                  max_grad_norm=None, reward_scale=1 / 20, fresh_episodes=True,
                  value_target="returns"),
        NetworkSpec("mlp", (128, 128, 128), "leaky_relu", init="torch"),
        lr=1e-3,
        about="the published continual Gym-control PPO (TRAC's notebook, C-CHAIN)",
        time_limit=400),
    # PureJaxRL's CartPole PPO, with separate 2x64 tanh actor and critic.
    "purejaxrl": Preset(PPOConfig(), NetworkSpec("mlp", (64, 64), "tanh"), lr=2.5e-4,
                        about="PureJaxRL's CartPole PPO"),
    # PureJaxRL's MinAtar PPO (64 envs x 128 steps, 4 epochs x 8 minibatches, 2x64 ReLU
    # MLPs over the flattened grid, global-norm clip 0.5), without its learning-rate
    # annealing (a lifelong run has no end to anneal towards).
    "minatar": Preset(
        PPOConfig(num_envs=64, num_steps=128, num_epochs=4, num_minibatches=8),
        NetworkSpec("mlp", (64, 64), "relu"),
        lr=1e-3,
        about="PureJaxRL's MinAtar PPO, MLP"),
    # The same PPO with MinAtar's convolutional network (Young & Tian 2019).
    "minatar-cnn": Preset(
        PPOConfig(num_envs=64, num_steps=128, num_epochs=4, num_minibatches=8),
        NetworkSpec("cnn", activation="relu"),
        lr=1e-3,
        about="PureJaxRL's MinAtar PPO, CNN"),
}

# The published PPO with C-CHAIN's networks (its networks.py: 3 x 256), for the ablation of width.
PRESETS["published-256"] = dataclasses.replace(
    PRESETS["published"],
    network=dataclasses.replace(PRESETS["published"].network, hidden_sizes=(256, 256, 256)),
    about="the published continual Gym-control PPO with C-CHAIN's 3x256 networks")

# Candidates for a MinAtar setting in which Adam loses plasticity (the positive-control
# search, examples/results/minatar_pilot): four times the updates per datum, or a
# network a quarter as wide.
PRESETS["minatar-16epochs"] = dataclasses.replace(
    PRESETS["minatar"], ppo=dataclasses.replace(PRESETS["minatar"].ppo, num_epochs=16),
    about="PureJaxRL's MinAtar PPO, MLP, 16 epochs per batch (4x the updates per datum)")
PRESETS["minatar-narrow"] = dataclasses.replace(
    PRESETS["minatar"],
    network=dataclasses.replace(PRESETS["minatar"].network, hidden_sizes=(16, 16)),
    about="PureJaxRL's MinAtar PPO with 2x16 ReLU MLPs")
