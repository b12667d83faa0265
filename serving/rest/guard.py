"""Every REST request's guard: admission, the deadline, metrics, and faults as JSON answers.

`guarded(call, ...)` makes an aiohttp handler of `call(request, body) -> (result,
response)`, the same for TF Serving's `/v1` routes and the Open Inference Protocol's `/v2`:
`rest.admission.Admission` admits the request first (bodies over the size limit are a JSON
413 from their header, a full server a 429, a body that does not arrive in time a 408);
the answer comes within `timeout` seconds (`--rest_api_timeout_in_ms`) or is
DEADLINE_EXCEEDED (504); a result naming an API is recorded in the metrics; a fault the
call did not expect is a 500 `{"error": "Internal error"}` whose details go to the server
log. With CORS on, OPTIONS preflights are answered and every answer carries the headers.

Example:
    curl -d '{"instances": [[[0, 0]]]}' http://127.0.0.1:8501/v1/models/mnist:predict
"""

import asyncio
import json
import logging
import time

import grpc
from aiohttp import http_exceptions, web, web_protocol

from serving.errors import HTTP_STATUS, ServingError
from serving.rest.admission import BodyTimeout, RequestTooLarge

log = logging.getLogger(__name__)


def json_response(status, text, headers):
    """A JSON answer with TF Serving's exact header: "application/json", no charset.

    Args:
        status: the HTTP status.
        text: the JSON body as str or bytes.
        headers: more headers (CORS), or {}.

    Returns:
        The web.Response.
    """
    body = text.encode() if isinstance(text, str) else text
    return web.Response(
        body=body, status=status, headers={**headers, "Content-Type": "application/json"}
    )


def guarded(call, *, metrics, admission, timeout, cors_headers):
    """Wraps one API's call in admission, deadline, metrics and fault handling.

    Args:
        call: async `call(request, body) -> (result, web.Response)`; `result.api` (None:
            nothing recorded), `model_name`, `code`, `version` and `signature` are what the
            metrics record.
        metrics: a server.metrics.Metrics.
        admission: a rest.admission.Admission (body limit, requests and bytes in flight).
        timeout: seconds to answer once the body is read; 0 means no limit.
        cors_headers: headers added to every refusal and OPTIONS answer (CORS), or {}.

    Returns:
        An async aiohttp handler.
    """

    def error(status, message):
        return json_response(status, json.dumps({"error": message}), cors_headers)

    async def answer(request):
        start = time.perf_counter()
        async with admission.admit(request.content_length):
            body = await admission.read_body(request)
            async with asyncio.timeout(timeout or None):
                result, response = await call(request, body)
        if result.api is not None:
            elapsed = time.perf_counter() - start
            metrics.record(
                result.model_name, result.api, "REST", result.code, elapsed,
                result.version, result.signature,
            )  # fmt: skip
        return response

    async def handler(request):
        if cors_headers and request.method == "OPTIONS":
            return web.Response(status=200, headers=cors_headers)
        try:
            return await answer(request)
        except RequestTooLarge as refusal:
            return error(413, refusal.message)
        except web.HTTPRequestEntityTooLarge:  # a chunked body that grew past the limit
            limit = admission.max_request_bytes
            return error(413, f"Request body is larger than the limit of {limit} bytes")
        except ServingError as refusal:
            return error(refusal.http_status, refusal.message)
        except BodyTimeout as stalled:
            response = error(408, str(stalled))
            response.force_close()  # the rest of the body is not waited for
            return response
        except TimeoutError:
            milliseconds = round(timeout * 1000)
            message = f"Request not answered within {milliseconds} ms (--rest_api_timeout_in_ms)"
            return error(HTTP_STATUS[grpc.StatusCode.DEADLINE_EXCEEDED], message)
        except (http_exceptions.HttpProcessingError, web_protocol.RequestPayloadError) as fault:
            # e.g. a body that is not in the Content-Encoding it claims.
            reason = " ".join(str(fault).split("message:", 1)[-1].split())
            return error(400, f"Malformed request body: {reason}")
        except Exception:
            log.exception("REST request %s %s failed", request.method, request.rel_url.raw_path)
            return error(500, "Internal error")

    return handler
