"""Admission control of the REST API: bounded requests and body bytes in flight, read deadlines.

Every `/v1/...` request is admitted before its body is read. Its declared `Content-Length`
(or, for a chunked body, `max_request_bytes`) is reserved from a shared byte budget; a
request that does not fit, or that would exceed the number of requests in flight, is
refused at once with RESOURCE_EXHAUSTED (HTTP 429), as TF Serving's batching queue refuses
work when it is full, and the client may retry. A body larger than `max_request_bytes` is
refused from its header, before a byte of it is read (413). A body that does not arrive
within `read_timeout` seconds is answered 408 and its connection closed, so a client that
never finishes its body holds neither a connection nor budget for long.

Example:
    python -m serving.server --max_inflight_requests 256 --max_inflight_request_bytes 134217728
"""

import asyncio
import contextlib

import grpc

from serving.errors import ServingError


class RequestTooLarge(ServingError):
    """A body larger than max_request_bytes; answered 413 (TF Serving has no such limit)."""

    def __init__(self, message):
        super().__init__(grpc.StatusCode.RESOURCE_EXHAUSTED, message)


class BodyTimeout(Exception):
    """A request body that did not arrive within the read timeout."""


class Admission:
    """Counts requests and reserved body bytes in flight; refuses what does not fit.

    Only touched from the REST event loop, so plain counters suffice.

    Args:
        max_requests: the most requests in flight at once.
        max_bytes: the most body bytes reserved at once.
        max_request_bytes: the largest body of one request.
        read_timeout: seconds a body may take to arrive; 0 means no limit.
    """

    def __init__(self, max_requests, max_bytes, max_request_bytes, read_timeout):
        self.max_requests = max_requests
        self.max_bytes = max_bytes
        self.max_request_bytes = max_request_bytes
        self.read_timeout = read_timeout
        self.requests = 0
        self.bytes = 0

    @contextlib.asynccontextmanager
    async def admit(self, content_length):
        """Reserves room for one request for as long as the block runs.

        Args:
            content_length: the declared body size, or None for a chunked body.

        Yields:
            Nothing; the request is admitted.

        Raises:
            RequestTooLarge: the declared body is over max_request_bytes.
            ServingError: RESOURCE_EXHAUSTED when the requests or bytes in flight are full.
        """
        if content_length is not None and content_length > self.max_request_bytes:
            raise RequestTooLarge(
                f"Request body of {content_length} bytes is larger than the limit of "
                f"{self.max_request_bytes} bytes (--max_request_bytes)"
            )
        size = self.max_request_bytes if content_length is None else content_length
        if self.requests >= self.max_requests or self.bytes + size > self.max_bytes:
            raise ServingError(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"The server is at its limit of {self.max_requests} requests or "
                f"{self.max_bytes} body bytes in flight; retry later",
            )
        self.requests += 1
        self.bytes += size
        try:
            yield
        finally:
            self.requests -= 1
            self.bytes -= size

    async def read_body(self, request):
        """Reads a request's body within the read timeout.

        Args:
            request: the aiohttp request.

        Returns:
            The body bytes.

        Raises:
            BodyTimeout: the body did not arrive in time.
        """
        try:
            async with asyncio.timeout(self.read_timeout or None):
                return await request.read()
        except TimeoutError:
            raise BodyTimeout(f"Request body not received within {self.read_timeout} s") from None
