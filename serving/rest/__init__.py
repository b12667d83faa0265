"""TF Serving's REST API over the core: routes and answers, the aiohttp app, its server.

- `handler`: method, path and body in, JSON out (`RestApi`); no HTTP library here.
- `app`: the aiohttp application (body limit, CORS, Prometheus metrics path).
- `guard`: admission, deadline, metrics and JSON faults around each API's calls (`/v1`, `/v2`).
- `server`: binds the port and runs the app on its own event loop.
A REST predict: `app` reads the body → `handler.RestApi.handle` matches the route →
`codecs.json_request` reads it → `core.inference` validates and runs it (batched or on
the thread pool) → `codecs.json_response` writes the answer.

Example:
    curl http://127.0.0.1:8501/v1/models/mnist
"""

from serving.rest.app import create_app
from serving.rest.handler import RestApi, RestResult
from serving.rest.server import RestServer

__all__ = ["RestApi", "RestResult", "RestServer", "create_app"]
