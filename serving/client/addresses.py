"""Checks of the addresses a client is given, before anything heavy is imported.

`python -m serving.client` checks `--rest` and `--grpc` before it loads TensorFlow
Serving's gRPC stubs (which import TensorFlow), so a bad address is refused at once.

Example:
    python -c "from serving.client.addresses import check_target; check_target('host:8500')"
"""

import urllib.parse


def check_target(target):
    """Validates a gRPC target such as 127.0.0.1:8500.

    Args:
        target: HOST:PORT of the gRPC port.

    Returns:
        The target unchanged.

    Raises:
        ValueError: if it is not HOST:PORT with a port in 1-65535.
    """
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"gRPC target must look like HOST:PORT, got {target!r}")
    return target


def check_url(url):
    """Validates a REST base URL such as http://127.0.0.1:8501.

    Args:
        url: the server's base URL.

    Returns:
        The URL without a trailing slash.

    Raises:
        ValueError: if it is not an http(s) URL with a host.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"REST URL must look like http://HOST:PORT, got {url!r}")
    return url.rstrip("/")
