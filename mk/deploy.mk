# Deploy, lint and build targets. The tools install on first use into
# project-local virtualenvs: .venv-sam holds the AWS SAM CLI and cfn-lint,
# which are kept apart from moto because their pins conflict, and .venv-build
# holds cargo-lambda and the zig linker it cross-compiles with.
#
#   make lint            fmt, clippy, cfn-lint, sam validate, events/, arm64 artifact
#   make build           arm64 deployment artifact in target/lambda/trigger-analysis/
#   make check-artifact  build, then check the artifact runs on provided.al2023 arm64
#   make invoke EVENT=events/rest-accepted.json   sam local invoke (needs Docker)
#   make deploy          sam build, then sam deploy --guided (needs AWS credentials)

.PHONY: lint fmt-check clippy lint-template check-events build check-artifact \
	sam-build invoke deploy

PYTHON ?= python3
PIP_FLAGS := --quiet --disable-pip-version-check

SAM_VENV := .venv-sam
AWS_SAM_CLI_VERSION := 1.170.0
CFN_LINT_VERSION := 1.58.0

BUILD_VENV := .venv-build
CARGO_LAMBDA_VERSION := 1.9.2
ZIGLANG_VERSION := 0.17.0

LAMBDA_BINARY := trigger-analysis
FUNCTION_RESOURCE := TriggerAnalysisFunction
ARM64_TARGET := aarch64-unknown-linux-gnu
# Cargo's target directory, which CARGO_TARGET_DIR or a config may move;
# `=` defers the cargo call to the targets that use it.
TARGET_DIR = $(shell cargo metadata --format-version 1 --no-deps | \
	$(PYTHON) -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
ARTIFACT = $(TARGET_DIR)/lambda/$(LAMBDA_BINARY)/bootstrap
LINT_REGION ?= us-east-1

# SAM CLI keeps its settings in $(SAM_VENV)/sam-config instead of ~/.aws-sam
# (__SAM_CLI_APP_DIR is SAM CLI's own override of that folder), with telemetry
# off. `sam deploy` asks PyPI for a newer SAM CLI when the last check stored
# there is over a week old, and no setting turns that off, so the stored time
# is 2100-01-01.
SAM_CONFIG_DIR := $(CURDIR)/$(SAM_VENV)/sam-config
SAM := SAM_CLI_TELEMETRY=0 __SAM_CLI_APP_DIR=$(SAM_CONFIG_DIR) $(CURDIR)/$(SAM_VENV)/bin/sam
SAM_SETTINGS := {"telemetryEnabled": false, "lastVersionCheck": 4102444800}

# cargo-lambda finds zig as `python3 -m ziglang`, so the build virtualenv
# goes first on PATH. rust-cargolambda is a beta build method in SAM CLI.
WITH_BUILD_TOOLS := PATH="$(CURDIR)/$(BUILD_VENV)/bin:$$PATH" SAM_CLI_BETA_RUST_CARGO_LAMBDA=1

$(SAM_VENV)/installed: mk/deploy.mk
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install $(PIP_FLAGS) \
		aws-sam-cli==$(AWS_SAM_CLI_VERSION) cfn-lint==$(CFN_LINT_VERSION)
	mkdir -p $(SAM_CONFIG_DIR)
	echo '$(SAM_SETTINGS)' > $(SAM_CONFIG_DIR)/metadata.json
	touch $@

$(BUILD_VENV)/installed: mk/deploy.mk
	$(PYTHON) -m venv $(BUILD_VENV)
	$(BUILD_VENV)/bin/pip install $(PIP_FLAGS) \
		cargo-lambda==$(CARGO_LAMBDA_VERSION) ziglang==$(ZIGLANG_VERSION)
	touch $@

lint: fmt-check clippy lint-template check-events check-artifact

fmt-check:
	cargo fmt --all --check

clippy:
	cargo clippy --all-targets -- -D warnings

lint-template: $(SAM_VENV)/installed
	$(SAM_VENV)/bin/cfn-lint --regions $(LINT_REGION) -- template.yaml
	$(SAM) validate --lint --region $(LINT_REGION) --template-file template.yaml

check-events:
	$(PYTHON) scripts/check-events.py events

build: $(BUILD_VENV)/installed
	rustup target add $(ARM64_TARGET)
	$(WITH_BUILD_TOOLS) cargo lambda build --release --arm64 --bin $(LAMBDA_BINARY)

# The arm64 build needs Rust's standard library for $(ARM64_TARGET). Where
# rustup cannot install it (no network, or no rustup), the check is skipped
# with a message and the rest of `make lint` still runs.
check-artifact: $(BUILD_VENV)/installed
	@if rustup target list --installed 2>/dev/null | grep -qx '$(ARM64_TARGET)' \
		|| rustup target add $(ARM64_TARGET); then \
		$(MAKE) --no-print-directory build && scripts/check-artifact.sh $(ARTIFACT); \
	else \
		echo "check-artifact: SKIPPED: the Rust standard library for $(ARM64_TARGET)" \
			"is not installed and 'rustup target add $(ARM64_TARGET)' failed," \
			"so the arm64 artifact was neither built nor checked."; \
	fi

sam-build: $(SAM_VENV)/installed $(BUILD_VENV)/installed
	rustup target add $(ARM64_TARGET)
	$(WITH_BUILD_TOOLS) $(SAM) build

invoke: $(SAM_VENV)/installed
	@test -n "$(EVENT)" || { \
		echo "make invoke: set EVENT to one of: $(wildcard events/*.json)" >&2; exit 2; }
	@docker info >/dev/null 2>&1 || { \
		echo "make invoke: sam local invoke needs a running Docker engine and none answered;" \
			"see docs/local-invoke-and-lint.md for the cargo-lambda route without Docker" >&2; exit 1; }
	$(MAKE) --no-print-directory sam-build
	$(SAM) local invoke $(FUNCTION_RESOURCE) --event $(EVENT) $(INVOKE_FLAGS)

deploy: sam-build
	$(SAM) deploy --guided
