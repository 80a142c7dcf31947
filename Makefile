# The two commands of the README: `make demo` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PKG    := airflow_provider_whatsapp

.PHONY: install lint typecheck pytest test demo sandbox bench lock clean

# constraints.txt pins every package (all platforms, Python 3.10+) so that each machine tests the same set.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy $(PKG)

pytest: install
	$(BIN)/pytest --cov=$(PKG) --cov-report=term $(PYTEST_ARGS)

test: lint typecheck pytest

demo: install
	$(BIN)/python scripts/demo.py

sandbox: install
	$(BIN)/whatsapp-sandbox --host 127.0.0.1 --port 8765

bench: install
	$(BIN)/python benchmarks/sandbox_throughput.py
	$(BIN)/python benchmarks/client_overhead.py
	$(BIN)/python benchmarks/import_cost.py

lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.10 --quiet \
		--custom-compile-command "make lock" -o constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .demo
