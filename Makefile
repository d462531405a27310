PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

NODE_DIR := tests/interop/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed
AZURE_CLI_VERSION := 2.91.0
AZ_VENV := .venv-az
AZ_STAMP := $(AZ_VENV)/.installed-$(AZURE_CLI_VERSION)

.PHONY: test demo lint typecheck bench clean schema node-deps interop

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check entra_profiles tests bench
	$(BIN)/ruff format --check entra_profiles tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The Node interop tier's clients, pinned by package-lock.json (npm ci: seconds with npm's cache). Without
# node the Node tests skip, saying so; a test never installs anything itself.
$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-deps:
	@if command -v node >/dev/null && command -v npm >/dev/null; then $(MAKE) --no-print-directory $(NODE_STAMP); \
	else echo "node/npm not found: the Node interop tests will be skipped"; fi

test: lint typecheck node-deps
	$(BIN)/pytest -m "not az"

# The Azure CLI tier: az (a few minutes to install, into its own venv) signs in to the sandbox through exec.
$(AZ_STAMP):
	test -x $(AZ_VENV)/bin/python || $(PYTHON) -m venv $(AZ_VENV)
	$(AZ_VENV)/bin/python -m pip install -q --disable-pip-version-check 'azure-cli==$(AZURE_CLI_VERSION)'
	touch $@

interop: $(STAMP) $(AZ_STAMP)
	ENTRA_INTEROP_REQUIRE_AZ=1 $(BIN)/pytest -m az

demo: $(STAMP)
	$(BIN)/python -m entra_profiles.demo

schema: $(STAMP)
	$(BIN)/entra-profiles schema > schemas/profiles.schema.json

bench: $(STAMP)
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/sandbox.py
	$(BIN)/python bench/references.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/shards.py

clean:
	rm -rf $(VENV) $(AZ_VENV) .mypy_cache .pytest_cache .ruff_cache $(NODE_DIR)/node_modules
