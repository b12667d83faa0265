# Trainer image for docker-compose.yml: trains the model and exports a SavedModel
# version into the mounted base path unless one is there already
# (model/train_if_empty.py). The serving side is the official tensorflow/serving
# image and needs nothing from here.
#
#   docker build -t mnist-trainer .
#   docker run --rm -v "$PWD/serving/models:/models" mnist-trainer \
#       --recipe tuned --export-base /models/mnist
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Pinned dependencies first, read from pyproject.toml alone, so that code edits
# reuse this (large) layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; \
print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
    > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# The project itself; editable so data/mnist.npz stays beside the model package.
COPY model ./model
COPY export ./export
COPY serving ./serving
COPY data ./data
RUN pip install --no-deps -e .

ENTRYPOINT ["python", "-m", "model.train_if_empty"]
