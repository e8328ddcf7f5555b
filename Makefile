# Estúdio — the README names `make demo` and `make test`; the rest are building blocks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

.PHONY: setup system venv demo test test-fast lint typecheck bench synth openapi clean

setup: system venv

system:
	@bash .ci/system-packages.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	@touch $(STAMP)

## Render the bundled example deck into out/demo/.
demo: setup
	$(BIN)/estudio render examples/nr10-seguranca-eletrica.pptx --out out/demo
	@echo "Open out/demo/video.mp4 (captions: out/demo/subtitles.vtt)"

## The whole test suite (what CI runs).
test: setup
	@bash .ci/system-packages.sh --browser
	$(BIN)/pytest -n 2 --dist loadgroup -q

## Unit tests only: no LibreOffice, no renders.
test-fast: venv
	$(BIN)/pytest -q tests/unit tests/statemachines

lint: venv
	$(BIN)/ruff check layers functions stacks containers tests app.py
	$(BIN)/ruff format --check layers functions stacks containers tests app.py

typecheck: venv
	$(BIN)/mypy

## Benchmarks: ratios measured side by side in one run.
bench: setup
	$(BIN)/python -m estudio.bench

## Synthesize the CDK app offline into cdk.out/.
synth: venv
	$(BIN)/python app.py

clean:
	rm -rf out cdk.out .pytest_cache .mypy_cache .ruff_cache
