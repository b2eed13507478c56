# The targets people type are the ones CI runs. `make demo` and `make test`
# need only Rust, Python 3 with venv and pip, and make: they install the
# local emulator (moto, from PyPI) into .venv.

VENV := .venv
WITH_EMULATOR := scripts/with-emulator.sh

.PHONY: demo test emulator

## Run the function on the sample events against the local emulator.
demo: emulator
	cargo build --bins --examples
	$(WITH_EMULATOR) scripts/demo.sh

## Run the unit, handler and integration tests against a fresh emulator.
test: emulator
	$(WITH_EMULATOR) cargo test --all-targets

## Install the emulator into .venv.
emulator: $(VENV)/bin/moto_server

$(VENV)/bin/moto_server: requirements-emulator.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-emulator.txt
	touch $@

include mk/deploy.mk
