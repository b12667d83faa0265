"""The pad's aiohttp application: the page, its contract, and the `/v1/` forwarder.

Routes:
    GET  /              the page (static/index.html)
    GET  /static/...    its CSS and JavaScript
    GET  /config.json   the serving contract the page needs (model, signature, keys)
    GET, POST /v1/...   forwarded to the model server's REST API (see proxy.py)

Example:
    python -m serving.pad --port 0   # prints the URL it bound
"""

import pathlib

from aiohttp import web

from common import contract
from serving.pad import proxy

STATIC = pathlib.Path(__file__).parent / "static"
# The page loads nothing from elsewhere and runs no inline or eval()ed script.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


def page_contract():
    """The names the page sends and reads, from common/contract.py.

    Returns:
        dict: JSON-ready `model`, `signature`, `input`, `outputs` and `labels`.
    """
    return {
        "model": contract.MODEL_NAME,
        "signature": contract.PREDICT_IMAGE_BYTES,
        "input": contract.IMAGE_BYTES,
        "outputs": {
            "probabilities": contract.PROBABILITIES,
            "classes": contract.CLASSES,
        },
        "labels": list(contract.CLASS_LABELS),
    }


def build_app(config):
    """Builds the pad's application from its configuration.

    Args:
        config: a validated PadConfig.

    Returns:
        The web.Application (not yet running).
    """
    app = web.Application(client_max_size=config.max_body_bytes)
    app.cleanup_ctx.append(proxy.session_context(config))

    async def index(_request):
        return web.FileResponse(STATIC / "index.html")

    async def config_json(_request):
        return web.json_response(page_contract())

    async def add_security_headers(_request, response):
        response.headers.update(SECURITY_HEADERS)

    forward = proxy.make_forward(config)
    app.router.add_get("/", index)
    app.router.add_get("/config.json", config_json)
    app.router.add_static("/static/", STATIC)
    app.router.add_route("GET", "/v1/{tail:.*}", forward)
    app.router.add_route("POST", "/v1/{tail:.*}", forward)
    app.on_response_prepare.append(add_security_headers)
    return app
