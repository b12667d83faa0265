"""The drawing pad's flags, validated into one frozen `PadConfig` before anything starts.

Example:
    python -m serving.pad --port 8080 --rest http://127.0.0.1:8501 --host 0.0.0.0
"""

import dataclasses
import urllib.parse

from common import cli, contract

DEFAULT_PORT = 8080
DEFAULT_REST = f"http://127.0.0.1:{contract.REST_PORT}"


@dataclasses.dataclass(frozen=True)
class PadConfig:
    """Every setting of the pad server, with its default.

    A port of 0 binds a free one. `rest` is the model server's REST base URL (scheme,
    host and port; no path), to which `/v1/...` requests are forwarded.
    """

    port: int = DEFAULT_PORT
    rest: str = DEFAULT_REST
    host: str = "127.0.0.1"
    # A 1024-pixel photo as PNG, base64 in JSON, stays well below this.
    max_body_bytes: int = 16 * 1024 * 1024
    upstream_timeout_seconds: float = 30.0

    def __post_init__(self):
        if not 0 <= self.port <= 65535:
            raise ValueError(f"--port must be in 0..65535, got {self.port}")
        if not self.host:
            raise ValueError("--host must not be empty")
        url = urllib.parse.urlsplit(self.rest)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"--rest must be an http(s)://HOST[:PORT] URL, got {self.rest!r}")
        if url.path.strip("/") or url.query or url.fragment:
            raise ValueError(f"--rest must have no path or query, got {self.rest!r}")
        try:
            url.port  # noqa: B018 -- urllib checks the port only when it is read
        except ValueError:
            raise ValueError(f"--rest has a bad port: {self.rest!r}") from None
        if self.max_body_bytes < 1:
            raise ValueError(f"--max-body-bytes must be positive, got {self.max_body_bytes}")
        if self.upstream_timeout_seconds <= 0:
            raise ValueError(
                f"--upstream-timeout-seconds must be positive, got {self.upstream_timeout_seconds}"
            )

    @property
    def upstream(self):
        """The REST base URL without a trailing slash, e.g. http://127.0.0.1:8501."""
        return self.rest.rstrip("/")


def parse_args(argv=None):
    """Reads the pad's flags; a bad one exits 2 with one line on stderr.

    Args:
        argv: the arguments without the program name; None means sys.argv[1:].

    Returns:
        A validated PadConfig.
    """
    parser = cli.OneLineParser(
        prog="python -m serving.pad",
        description="Serve the drawing pad and forward /v1/ to a TF Serving REST API.",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port of the page (0: any free one)"
    )
    parser.add_argument("--rest", default=DEFAULT_REST, help="model server's REST base URL")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind the page to")
    parser.add_argument(
        "--max-body-bytes",
        type=cli.positive_int,
        default=PadConfig.max_body_bytes,
        help="largest request body forwarded (default: %(default)s)",
    )
    parser.add_argument(
        "--upstream-timeout-seconds",
        type=float,
        default=PadConfig.upstream_timeout_seconds,
        help="how long to wait for the model server (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        return PadConfig(**vars(args))
    except ValueError as error:
        parser.error(str(error))
