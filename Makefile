# Targets for people and CI alike. `make demo` and `make test` need nothing
# installed beyond Rust, Python 3 and pip: they install the rest into .venv.

.PHONY: demo test

demo:
	@echo "not yet"

test:
	cargo test

include mk/deploy.mk
