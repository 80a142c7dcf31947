# The two commands of the README: `make demo` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PKG    := airflow_provider_whatsapp

.PHONY: install lint typecheck pytest test test-compat test-distributed demo sandbox bench lock clean mutation

# The compatibility floor: the latest patch of the oldest Airflow supported, with every other package
# resolved as of shortly after its release (Airflow's own constraints files cannot be fetched here).
COMPAT_AIRFLOW ?= 3.1.8
COMPAT_AS_OF   ?= 2026-03-11
COMPAT_PYTHON  ?= $(PYTHON)
COMPAT_VENV    := .venv-compat
COMPAT_STAMP   := $(COMPAT_VENV)/.installed

# constraints.txt pins every package (all platforms, Python 3.11+) so that each machine tests the same set.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

$(COMPAT_STAMP): pyproject.toml
	rm -rf $(COMPAT_VENV)
	$(COMPAT_PYTHON) -m venv $(COMPAT_VENV)
	$(COMPAT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv
	$(COMPAT_VENV)/bin/uv pip install --quiet --python $(COMPAT_VENV)/bin/python \
		--exclude-newer $(COMPAT_AS_OF) "apache-airflow==$(COMPAT_AIRFLOW)" -e ".[dev]"
	touch $(COMPAT_STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy $(PKG)

pytest: install
	$(BIN)/pytest --cov=$(PKG) --cov-report=term $(PYTEST_ARGS)

test: lint typecheck pytest

# The whole suite (the real-scheduler test included) on the compatibility floor.
test-compat: $(COMPAT_STAMP)
	$(COMPAT_VENV)/bin/pytest $(PYTEST_ARGS)

# Airflow on PostgreSQL with CeleryExecutor, Redis and two workers (tests/e2e/test_distributed.py): needs
# PostgreSQL on 127.0.0.1:5432 (trust, user postgres) and Redis on 127.0.0.1:6379, skipped without them.
# Prints the figures it measured and writes them to $(DISTRIBUTED_FIGURES).
DISTRIBUTED_FIGURES ?= distributed-figures.json
test-distributed: install
	WHATSAPP_E2E_FIGURES=$(DISTRIBUTED_FIGURES) $(BIN)/pytest -m distributed -s $(PYTEST_ARGS) tests/e2e/test_distributed.py

demo: install
	$(BIN)/python scripts/demo.py

sandbox: install
	$(BIN)/whatsapp-sandbox --host 127.0.0.1 --port 8765

bench: install
	$(BIN)/python benchmarks/sandbox_throughput.py
	$(BIN)/python benchmarks/client_overhead.py
	$(BIN)/python benchmarks/import_cost.py

lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --quiet \
		--custom-compile-command "make lock" -o constraints.txt

clean:
	rm -rf $(VENV) $(COMPAT_VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .demo mutants

# Mutation testing of the modules listed in pyproject's [tool.mutmut] (slow: see README "Measured").
mutation: install
	$(BIN)/python tools/mutation.py $(MUTATION_ARGS)
