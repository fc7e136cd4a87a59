"""Sharding: params sharded over an 8-device mesh give the same TRAC updates as on one device.

The device count is fixed when jax starts, so the check runs in a fresh interpreter
with XLA_FLAGS=--xla_force_host_platform_device_count=8.
"""

import os
import subprocess
import sys
import textwrap


SCRIPT = textwrap.dedent("""
    import jax, jax.numpy as jnp, numpy as np, optax
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    from trac_optax import get_scale, trac

    assert jax.device_count() == 8, jax.devices()
    mesh = Mesh(np.array(jax.devices()).reshape(4, 2), ("data", "model"))
    key = jax.random.PRNGKey(0)
    params = {"w": jax.random.normal(key, (64, 32)), "b": jnp.linspace(-1, 1, 32)}
    specs = {"w": P("data", "model"), "b": P("model")}
    opt = optax.chain(optax.clip_by_global_norm(1.0), trac(optax.adamw(1e-2, weight_decay=0.1)))
    loss = lambda p: jnp.mean((p["w"] @ p["b"] - 1.0) ** 2) + jnp.sum((p["b"] - 0.5) ** 2)

    @jax.jit
    def step(params, state):
        updates, state = opt.update(jax.grad(loss)(params), state, params)
        return optax.apply_updates(params, updates), state, updates

    # Warm up on one device until TRAC's scale is well away from s_prev.
    state = opt.init(params)
    for _ in range(80):
        params, state, _ = step(params, state)
    assert float(get_scale(state)) > 0.1

    # The same step from the same (params, state), unsharded and sharded.
    single = step(params, state)
    shardings = jax.tree.map(lambda s: NamedSharding(mesh, s), specs)
    by_shape = {params[name].shape: shardings[name] for name in specs}
    replicated = NamedSharding(mesh, P())
    # Every params-shaped leaf of the state (adam's moments, Delta) sharded like its param.
    state_sharded = jax.tree.map(lambda x: jax.device_put(x, by_shape.get(x.shape, replicated)), state)
    sharded = step(jax.device_put(params, shardings), state_sharded)

    # The sharded step kept the layout: updates and Delta are sharded like the params.
    for name in specs:
        ndim = params[name].ndim
        assert sharded[2][name].sharding.is_equivalent_to(shardings[name], ndim)
        assert sharded[1][1].delta[name].sharding.is_equivalent_to(shardings[name], ndim)
    # Same numbers, up to the order of float32 reductions.
    for a, b in zip(jax.tree.leaves(single), jax.tree.leaves(sharded)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-7)
    print("OK")
""")


def test_sharded_params_match_a_single_device():
  env = dict(os.environ)
  env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8").strip()
  env["JAX_PLATFORMS"] = "cpu"
  result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=840)
  assert result.returncode == 0 and result.stdout.strip().endswith("OK"), result.stderr[-3000:]
