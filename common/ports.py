"""A free TCP port on the loopback interface, for launchers and tests that start servers.

Example:
    python -c "from common.ports import free_port; print(free_port())"
"""

import socket


def free_port(host="127.0.0.1"):
    """A TCP port on `host` that nothing listens on right now.

    Args:
        host: the address to bind, loopback by default.

    Returns:
        int, the port the system chose.
    """
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
