# The commands of README.md and docs/. `make run` and `make test` create .venv on first use,
# so a fresh clone needs nothing else.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MODEL_BASE := serving/models/mnist

PAD_PORT ?= 8080

.PHONY: run serve check test test-unit test-slow lint bench bench-peers bench-transports clean \
	chromium nginx wrk h2load compose-test

$(STAMP): pyproject.toml
	$(call stage,install,{ test -x $(PY) || $(PYTHON) -m venv $(VENV); } && \
		$(PY) -m pip install --quiet --upgrade pip && $(PY) -m pip install --quiet -e ".[dev]" && \
		touch $(STAMP))

# Train (tuned recipe), export the next version, serve it locally, ask it over REST and gRPC.
run: $(STAMP)
	$(PY) -m pipeline --recipe tuned --export-base $(MODEL_BASE)
	$(PY) -m serving.demo --model-base-path $(MODEL_BASE)

# Keep the local server up on 8500 (gRPC) and 8501 (REST) and the drawing pad on
# $(PAD_PORT) (it prints its URL); trains first if nothing is exported. Ctrl-C stops both;
# the explicit kill is there because sh may exec the server and skip its EXIT trap.
serve: $(STAMP)
	$(PY) -m pipeline --if-empty --recipe tuned --export-base $(MODEL_BASE)
	$(PY) -m serving.pad --port $(PAD_PORT) & pad=$$!; \
	trap 'kill $$pad 2>/dev/null' EXIT INT TERM; \
	$(PY) -m serving.server --model_name=mnist --model_base_path=$(MODEL_BASE) \
		--port=8500 --rest_api_port=8501 --enable_batching \
		--batching_parameters_file=serving/config/batching.config \
		--monitoring_config_file=serving/config/monitoring.config; \
	status=$$?; kill $$pad 2>/dev/null; exit $$status

# Runs a stage of `make test` and prints its wall time: $(call stage,NAME,COMMAND).
stage = @start=$$(date +%s); $(2); status=$$?; \
	echo "stage $(1): $$(( $$(date +%s) - start )) s (exit $$status)"; exit $$status

# Style, formatting, and the import layers of pyproject.toml's [tool.importlinter].
lint: $(STAMP)
	$(call stage,lint,$(PY) -m ruff check . && $(PY) -m ruff format --check . && \
		$(VENV)/bin/lint-imports --no-cache)

# The unit tier: in-process tests, on every core. `make check` is the inner loop.
test-unit: $(STAMP)
	$(call stage,unit,$(PY) -m pytest -m "not slow" -n auto --dist loadfile -q)

check: lint test-unit

# The slow tier: servers as subprocesses, training runs, browsers, nginx (tests marked slow).
test-slow: $(STAMP) chromium nginx wrk
	$(call stage,slow,$(PY) -m pytest -m slow -n auto --dist loadfile -q)

# The pad's browser tests drive Debian's chromium: installed here when missing and we are
# root; elsewhere those tests skip with one line saying so.
chromium:
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
		{ export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq chromium >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; } || \
		echo "chromium could not be installed: the pad's browser tests will skip"

# The load balancer tests (tests/deploy) run Debian's nginx as an ordinary process: installed
# here when missing and we are root; elsewhere those tests skip with one line saying so.
nginx:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || [ "$$(id -u)" != 0 ] || \
		! command -v apt-get >/dev/null || \
		{ export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq nginx >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq nginx >/dev/null; }; } || \
		echo "nginx could not be installed: the load balancer tests will skip"

# The peers benchmark's load generator (bench/peers/wrk.py): Debian's wrk, installed here
# when missing and we are root; elsewhere its test skips with one line saying so.
wrk:
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
		{ export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq wrk >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; } || \
		echo "wrk could not be installed: the peers benchmark's test will skip"

# The gRPC load generator of bench/peers/transports.py: h2load, from Debian's nghttp2-client.
h2load:
	@command -v h2load >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
		{ export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq nghttp2-client >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null; }; } || \
		echo "h2load could not be installed: bench-transports cannot run"

# Everything: what CI runs (.ci/run), then `make compose-test`.
test: lint test-unit test-slow

# `docker compose up` for real: a Docker engine (installed and started when missing, as
# root), the base image (pulled, or an offline stand-in built), then the local-server stack
# built, trained, served, rolled out and torn down (tests/deploy/test_compose_stack.py).
compose-test: $(STAMP)
	$(call stage,compose,deploy/compose/ensure-docker.sh && deploy/compose/base-image.sh && \
		MNIST_COMPOSE_TEST=1 $(PY) -m pytest -s tests/deploy/test_compose_stack.py)

bench: $(STAMP)
	$(PY) bench/train_speed.py
	$(PY) bench/serve_speed.py

# The local server against KServe, MLServer, PyTriton, BentoML, LitServe and Ray Serve under
# wrk (docs/benchmarks.md#peers). Each peer's pinned venv is built on first use under
# .cache/peers/; PEERS_FLAGS narrows a run, e.g. PEERS_FLAGS="--peers local,kserve --seconds 2".
bench-peers: $(STAMP) wrk
	$(PY) bench/peers/run.py $(PEERS_FLAGS)

# The local server's REST and gRPC under C clients, wrk and h2load (docs/benchmarks.md).
bench-transports: $(STAMP) wrk h2load
	$(PY) bench/peers/transports.py $(PEERS_FLAGS)

clean:
	rm -rf $(VENV) runs serving/models .pytest_cache .ruff_cache
