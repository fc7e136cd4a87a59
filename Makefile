# Two commands from a fresh clone: `make test` and `make demo` (both set up .venv).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# jaxlib 0.10.2 on small CPUs can deadlock in batched LAPACK calls under vmap
# with the concurrency-optimised scheduler; this flag avoids it.
export XLA_FLAGS ?= --xla_cpu_enable_concurrency_optimized_scheduler=false

.PHONY: test demo bench install clean gpu-wheels

install: $(STAMP)

# torch is pinned to the CPU wheel before anything can ask for an unpinned torch
# (which would pull gigabytes of CUDA packages).
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[examples,test]'
	touch $(STAMP)

# Test files run in TEST_WORKERS processes (pytest-xdist), each file whole in one of them, so
# that a file's shared fixtures are computed once; TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(PY) -m pytest -q $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

demo: $(STAMP)
	$(PY) -m examples.lifelong

# rejax (the PPO peer) is needed only here.
bench: $(STAMP)
	$(PY) -m pip install -q -e '.[examples,test,bench]'
	$(PY) -m benchmarks.run_all

# The wheels gpu/run.sh installs on a GPU machine without a package index (gpu/README.md);
# GPU_PYTHON=3.12 GPU_PLATFORM=manylinux_2_28_x86_64 fetch them for another machine.
gpu-wheels: $(STAMP)
	$(PY) -m gpu.wheels $(if $(GPU_PYTHON),--python-version $(GPU_PYTHON)) \
	  $(if $(GPU_PLATFORM),--platform $(GPU_PLATFORM))

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
