# Images for docker-compose.yml, two targets on one cached dependency layer:
#   trainer  trains and exports a SavedModel version into the mounted base path unless one
#            is there already (python -m pipeline --if-empty).
#   server   the local TF-Serving-compatible server (python -m serving.server) on
#            0.0.0.0:8500 (gRPC) and :8501 (REST): the serving side where the official
#            tensorflow/serving image does not run natively (ARM64), see
#            docker-compose.local.yml.
#
#   docker build --target trainer -t mnist-serving-trainer .
#   docker run --rm -v "$PWD/serving/models:/models" mnist-serving-trainer \
#       --recipe tuned --export-base /models/mnist
#   docker build --target server -t mnist-serving-local .
#   docker run --rm -p 8500:8500 -p 8501:8501 -v "$PWD/serving/models:/models:ro" \
#       mnist-serving-local --model_base_path=/models/mnist

# requirements: the runtime pins, read from pyproject.toml. The deps stage copies only
# this file, so edits elsewhere in pyproject.toml (dev extras, tool settings) and in the
# code reuse the (large) dependency layer from the build cache. No BuildKit-only syntax:
# the classic builder (Docker without buildx) builds this file too.
FROM python:3.11-slim AS requirements
COPY pyproject.toml /tmp/pyproject.toml
RUN python -c "import tomllib; \
print('\n'.join(tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']))" \
    > /tmp/requirements.txt

# deps: those pins installed in a venv.
FROM python:3.11-slim AS deps
# Optional pip settings of the building host (a mirror); unset means PyPI.
ARG PIP_INDEX_URL
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DEFAULT_TIMEOUT=120
COPY --from=requirements /tmp/requirements.txt /tmp/requirements.txt
# TensorFlow's C++ headers (430 MB) serve only to build extensions; pip is not needed
# once the venv is filled.
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install -r /tmp/requirements.txt \
    && rm -r /opt/venv/lib/python3.11/site-packages/tensorflow/include \
    && /opt/venv/bin/pip uninstall --yes pip

# runtime: the venv and the project's code, owned by root and run as an unprivileged
# user; no compiler, no pip, no build files. The code runs from /app (PYTHONPATH), so
# data/mnist.npz sits where common/mnist.py looks for it.
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib
# A fixed uid/gid; compose may run the containers as the host user instead (`user:`), so
# nothing below depends on this user's home.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home app \
    && install -d -o app -g app /app/runs /models
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
COPY common ./common
COPY model ./model
COPY export ./export
COPY pipeline ./pipeline
COPY serving ./serving
COPY data ./data
USER 10001:10001

FROM runtime AS trainer
ENTRYPOINT ["python", "-m", "pipeline", "--if-empty"]

# The flags tensorflow/serving's own entrypoint adds (--port=8500 --rest_api_port=8501)
# plus --host=0.0.0.0, the local server's extra flag (default 127.0.0.1), so that the
# compose service's `command:` is passed unchanged to either image.
FROM runtime AS server
EXPOSE 8500 8501
# Healthy once the model has an AVAILABLE version, as the compose healthcheck asks.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(b'AVAILABLE' not in urllib.request.urlopen('http://127.0.0.1:8501/v1/models/mnist', timeout=4).read())"]
ENTRYPOINT ["python", "-m", "serving.server", "--host=0.0.0.0", "--port=8500", "--rest_api_port=8501"]
