"""The server a tutorial has you write instead: FastAPI + uvicorn around tf.saved_model.load.

It is the baseline `bench/serve_speed.py` measures the local server against: one process,
one uvicorn worker (uvloop and httptools, as `uvicorn[standard]` installs them), a
pydantic request model, a plain `def` endpoint that FastAPI runs on its thread pool, the
TF2 signature called eagerly and every output answered through `.numpy().tolist()`. So
that the same client measures both servers, it takes TF Serving's columnar predict body
on TF Serving's URL and answers `{"outputs": {...}}`; it has none of TF Serving's checks,
versions, batching or error format. `GET /health` answers once the model is loaded.

Example:
    python bench/tutorial_server.py --model-dir serving/models/mnist/1 --port 8600
"""

# isort: split
import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import numpy as np
import tensorflow as tf
import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from common.cli import OneLineParser


class PredictRequest(BaseModel):
    """TF Serving's columnar predict body: a signature name and named input lists."""

    signature_name: str = "serving_default"
    inputs: dict[str, list]


def create_app(model_dir):
    """Loads the SavedModel and builds the FastAPI app that serves it.

    Args:
        model_dir: a SavedModel directory (one version, e.g. serving/models/mnist/1).

    Returns:
        The FastAPI application.
    """
    model = tf.saved_model.load(str(model_dir))
    app = FastAPI()

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.post("/v1/models/{name}:predict")
    def predict(name: str, request: PredictRequest):
        signature = model.signatures.get(request.signature_name)
        if signature is None:
            raise HTTPException(400, f"no signature {request.signature_name!r}")
        specs = signature.structured_input_signature[1]
        try:
            inputs = {
                key: tf.constant(np.asarray(value), dtype=specs[key].dtype)
                for key, value in request.inputs.items()
            }
            outputs = signature(**inputs)
        except (KeyError, TypeError, ValueError, tf.errors.OpError) as error:
            raise HTTPException(400, str(error)) from error
        return {"outputs": {key: value.numpy().tolist() for key, value in outputs.items()}}

    return app


def main(argv=None):
    parser = OneLineParser(
        prog="python bench/tutorial_server.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--model-dir", required=True, help="a SavedModel directory")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--port", type=int, default=8600, help="port to listen on")
    args = parser.parse_args(argv)
    if not tf.io.gfile.exists(f"{args.model_dir}/saved_model.pb"):
        parser.error(f"--model-dir {args.model_dir}: no saved_model.pb")
    uvicorn.run(create_app(args.model_dir), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
