"""trac_optax: TRAC, the parameter-free optimizer for lifelong RL, as an optax transformation.

    opt = optax.chain(optax.clip_by_global_norm(0.5), trac_optax.trac(optax.adam(3e-4)))
"""

from trac_optax._erfi import erfi
from trac_optax._trac import (
    ANCHOR_TOLERANCE, DEFAULT_BETAS, TracState, anchor_drift, anchor_error, get_scale,
    get_scales, trac)

__version__ = "0.1.0"

__all__ = [
    "ANCHOR_TOLERANCE", "DEFAULT_BETAS", "TracState", "anchor_drift", "anchor_error", "erfi",
    "get_scale", "get_scales", "trac"]
