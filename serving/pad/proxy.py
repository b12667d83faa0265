"""Forwards the page's `/v1/...` requests to the model server's REST API, bounded and explained.

The page talks only to its own origin, so it needs no CORS; this handler passes method,
path, query, body and content type through and returns the model server's status and body
unchanged (TF Serving's `{"error": ...}` included). What the model server cannot say
itself becomes a JSON error in TF Serving's shape: 413 for a body over the limit, 502 when
the model server is unreachable, 504 when it does not answer in time.

Example:
    curl http://127.0.0.1:8080/v1/models/mnist   # answered by http://127.0.0.1:8501
"""

import aiohttp
from aiohttp import web

SESSION = web.AppKey("upstream_session", aiohttp.ClientSession)


def json_error(status, message):
    """A TF Serving-shaped error answer.

    Args:
        status: the HTTP status.
        message: the reason, for people.

    Returns:
        web.Response with body `{"error": message}`.
    """
    return web.json_response({"error": message}, status=status)


def make_forward(config):
    """Builds the handler that forwards one request to `config.upstream`.

    Args:
        config: a PadConfig.

    Returns:
        An aiohttp handler; it needs the app's `SESSION` (see `session_context`).
    """

    async def forward(request):
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return json_error(
                413, f"request body is larger than the pad's limit of {config.max_body_bytes} bytes"
            )
        url = config.upstream + request.rel_url.raw_path_qs
        headers = {}
        if request.content_type and body:
            headers["Content-Type"] = request.headers["Content-Type"]
        try:
            async with request.app[SESSION].request(
                request.method, url, data=body or None, headers=headers
            ) as upstream:
                payload = await upstream.read()
                content_type = upstream.headers.get("Content-Type", "application/json")
                return web.Response(
                    body=payload, status=upstream.status, headers={"Content-Type": content_type}
                )
        # aiohttp's timeouts are also ClientErrors, so they are caught first.
        except TimeoutError:
            return json_error(
                504,
                f"model server at {config.upstream} did not answer within "
                f"{config.upstream_timeout_seconds:g} s",
            )
        except aiohttp.ClientError as error:
            return json_error(502, f"model server unreachable at {config.upstream}: {error}")

    return forward


def session_context(config):
    """An aiohttp cleanup context that holds one client session for the app's lifetime.

    Args:
        config: a PadConfig (its upstream timeout bounds every forwarded request).

    Returns:
        An async generator function for `app.cleanup_ctx`.
    """

    async def context(app):
        timeout = aiohttp.ClientTimeout(total=config.upstream_timeout_seconds)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            app[SESSION] = session
            yield

    return context
