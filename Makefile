# The README's commands. `make run` and `make test` create .venv on first use, so a fresh
# clone needs nothing else.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MODEL_BASE := serving/models/mnist

.PHONY: run serve test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Train (tuned recipe), export the next version, serve it locally, ask it over REST and gRPC.
run: $(STAMP)
	$(PY) -m model.train --recipe tuned --export-base $(MODEL_BASE)
	$(PY) -m serving.demo --model-base-path $(MODEL_BASE)

# Keep the local server up on 8500 (gRPC) and 8501 (REST); trains first if nothing is exported.
serve: $(STAMP)
	$(PY) -m model.train_if_empty --recipe tuned --export-base $(MODEL_BASE)
	$(PY) -m serving.server --model_base_path=$(MODEL_BASE) --enable_batching \
		--batching_parameters_file=serving/config/batching.config \
		--monitoring_config_file=serving/config/monitoring.config

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: lint
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/train_speed.py
	$(PY) bench/serve_speed.py

clean:
	rm -rf $(VENV) runs serving/models .pytest_cache .ruff_cache
