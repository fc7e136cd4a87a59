"""examples/__init__.py: the CPU scheduler workaround is added to a user's XLA_FLAGS, never over them."""

import os
import subprocess
import sys

import pytest

FLAG = "--xla_cpu_enable_concurrency_optimized_scheduler"


@pytest.mark.parametrize("user_flags, expected", [
    ("", f"{FLAG}=false"),
    ("--xla_force_host_platform_device_count=2",
     f"--xla_force_host_platform_device_count=2 {FLAG}=false"),
    (f"{FLAG}=true", f"{FLAG}=true"),  # the user's own choice stands
])
def test_prelude_keeps_the_users_flags(user_flags, expected):
  env = {**os.environ, "XLA_FLAGS": user_flags}
  out = subprocess.run([sys.executable, "-c", "import examples, os; print(os.environ['XLA_FLAGS'])"],
                       env=env, capture_output=True, text=True, check=True,
                       cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  assert out.stdout.strip() == expected
