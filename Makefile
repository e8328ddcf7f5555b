# Estúdio — the README names `make demo` and `make test`; the rest are building blocks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

.PHONY: setup system runtime venv face-env browser-deps demo test test-fast test-cloud lint typecheck bench bench-api bench-rerender synth synth-check package lock layer rehearse clean

setup: system venv

system:
	@bash .ci/system-packages.sh

## The product alone (what `make demo` needs).
runtime: $(VENV)/.runtime

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	@touch $@

## The product plus the cloud SDKs, CDK and the test tools.
venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	@touch $(VENV)/.runtime $@

## The talking photo's face-landmark environment (MediaPipe pins numpy<2: kept apart from .venv).
FACE_VENV := .venv-face
face-env: $(FACE_VENV)/.installed

$(FACE_VENV)/.installed:
	$(PYTHON) -m venv $(FACE_VENV)
	$(FACE_VENV)/bin/pip install -q --no-deps mediapipe==0.10.21
	$(FACE_VENV)/bin/pip install -q absl-py attrs flatbuffers "numpy<2" "protobuf<5" opencv-python-headless matplotlib
	@touch $@

## Render the bundled example deck into out/demo/.
demo: system runtime
	$(BIN)/estudio render examples/nr10-seguranca-eletrica.pptx --out out/demo
	@echo "Open out/demo/video.mp4 (captions: out/demo/subtitles.vtt)"

## The SCORM runtime the browser tests host as an LMS would (pinned in tests/browser/package-lock.json).
BROWSER_DEPS := tests/browser/node_modules/.installed
browser-deps: $(BROWSER_DEPS)

$(BROWSER_DEPS): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund
	@touch $@

## The whole test suite (what CI runs).
test: setup face-env browser-deps
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

bench-api: setup
	$(BIN)/python -m estudio.bench_api

bench-rerender: setup
	$(BIN)/python -m estudio.bench rerender

## Every deploy artifact that needs no docker: the layers (from requirements/lambda-arm64.txt)
## and each zip function's code into build/artifacts/, sizes and import times in
## build/package-report.json. Fails when a zip function with its layers passes Lambda's limit.
package: venv
	$(BIN)/python -m stacks.artifacts build

## Re-resolve the lock (after a dependency change in pyproject.toml).
lock: venv
	$(BIN)/python -m stacks.artifacts lock

## Kept for old habits: the layers are part of `make package`.
layer: package

## Synthesize the deployable app into cdk.out/ from the built artifacts (refuses without them),
## then check that its assets measure what the package report says.
synth: venv
	CDK_OUTDIR=cdk.out $(BIN)/python app.py
	$(BIN)/python -m stacks.artifacts check-assets --cdk-out cdk.out

## Synthesize from source (stand-in layers, not deployable): cdk-nag and assertions, for CI.
synth-check: venv
	$(BIN)/python -c "import aws_cdk as cdk; from app import build_app; \
	  build_app(cdk.App(outdir='cdk.out', context={'artifacts': 'source'})).synth()"

## The whole render through the cloud code path on this machine: the API Lambda, Step Functions
## (moto), every stage's handler and the Batch render container. Flags: ARGS='--avatar ana --out DIR'.
rehearse: venv
	$(BIN)/python -m stacks.rehearse $(ARGS)

## The cloud suites only: adapters on moto, CDK assertions, cdk-nag, cfn-lint.
test-cloud: venv
	$(BIN)/pytest -q tests/unit/aws tests/integration/aws tests/infrastructure tests/statemachines

clean:
	rm -rf out cdk.out .pytest_cache .mypy_cache .ruff_cache
