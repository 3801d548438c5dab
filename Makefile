# `make test` is the one test command: on a fresh machine it creates the venv, installs the pinned
# packages, builds (or reuses) the Pulumi and Kubernetes tooling, and runs the whole suite.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: test unit tools venv bench clean

test: venv tools
	$(VENV)/bin/python -m pytest

# Mock, provider and double tests only (no engine, no API server): the quick inner loop.
unit: venv
	$(VENV)/bin/python -m pytest -m "not e2e" --ignore=tests/test_kube_cluster.py

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

tools:
	scripts/toolchain
	scripts/kube-tools

bench: venv
	$(VENV)/bin/python benchmarks/bench_providers.py

clean:
	rm -rf $(VENV) .tools .pytest_cache
