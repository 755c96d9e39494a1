# Vérif'Lien — the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080
LOAD_CHECKS ?= 20000

.PHONY: run test tools test-real lint format bench extension clean

$(BIN)/veriflien: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test-deps: $(BIN)/veriflien
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

run: $(BIN)/veriflien ## serve on http://127.0.0.1:8080 with embedded defaults
	$(BIN)/veriflien serve --host $(HOST) --port $(PORT)

test: tools $(VENV)/.test-deps ## the whole suite: nothing is skipped for a missing tool
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ffmpeg, chromium, firefox-esr, redis-server, caddy, node and npm: installed with apt-get when
# missing (as root or with passwordless sudo), or the run stops here, naming the one command to run.
tools:
	$(PYTHON) tests/tools.py --install

test-real: $(VENV)/.test-deps ## replays ../shared/real (recorded platform answers, real media)
	VERIFLIEN_REAL_TESTS=1 $(BIN)/python -m pytest tests/real $(PYTEST_ARGS)

lint: $(VENV)/.test-deps
	$(BIN)/ruff check service tests bench
	$(BIN)/ruff format --check service tests bench

format: $(VENV)/.test-deps
	$(BIN)/ruff format service tests bench
	$(BIN)/ruff check --fix service tests bench

bench: $(VENV)/.test-deps ## prints figures; never part of `make test`
	$(BIN)/python bench/run.py
	$(BIN)/python bench/page.py
	$(BIN)/python bench/realpage.py
	$(BIN)/python bench/load.py --checks $(LOAD_CHECKS)

extension: ## builds dist/veriflien-chromium.zip and dist/veriflien-firefox.zip (unsigned)
	node extension/build.mjs

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache
