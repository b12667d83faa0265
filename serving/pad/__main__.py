"""Entry point of the drawing pad: serve the page and forward `/v1/` to the model server.

Prints `Drawing pad at http://HOST:PORT/ (model server: URL)` once it listens (the bound
port, also when --port 0 asked for a free one), serves until SIGTERM or Ctrl-C and exits
0. A bad flag exits 2 with one line; a port that cannot be bound exits 1 with one line.

Example:
    python -m serving.pad --port 8080 --rest http://127.0.0.1:8501
"""

import asyncio
import signal
import sys

from aiohttp import web

from serving.pad.app import build_app
from serving.pad.config import parse_args


async def serve(config, ready=print):
    """Runs the pad until SIGTERM or SIGINT.

    Args:
        config: a validated PadConfig.
        ready: called with the page's URL once the port is bound.
    """
    # Handlers first: whoever reads the URL line may send SIGTERM right away.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    runner = web.AppRunner(build_app(config))
    await runner.setup()
    try:
        site = web.TCPSite(runner, config.host, config.port)
        await site.start()
        host, port = runner.addresses[0][:2]
        ready(f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/")
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv=None):
    """Parses the flags and serves the pad.

    Args:
        argv: the arguments without the program name; None means sys.argv[1:].

    Returns:
        The exit status: 0 after a clean shutdown, 1 if the port could not be bound.
    """
    config = parse_args(argv)

    def ready(url):
        print(f"Drawing pad at {url} (model server: {config.upstream})", flush=True)

    try:
        asyncio.run(serve(config, ready))
    except OSError as error:
        print(
            f"python -m serving.pad: error: cannot listen on {config.host}:{config.port}: "
            f"{error.strerror or error}",
            file=sys.stderr,
        )
        return 1
    print("Shutting down ...", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
