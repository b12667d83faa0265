"""A hostile client against the local server: memory around big images, latency under bursts.

Starts `python -m serving.server` as a subprocess over an untrained export and prints:
1. the server's RSS (and peak RSS, VmHWM) at rest, after the largest accepted image
   (2048x2048 PNG) sent a few times, and after decompression bombs (a real 12000x12000 PNG of
   ~140 kB and a 23000x23000 one of ~500 kB), which are refused from their headers;
2. the latency of small requests (one 28x28 digit) sent one after another while other
   clients (in a process of their own) send large legal JSON bodies (1,000 digits, ~2.4 MB
   each) as fast as they can: p50/p99/max, with how many large bodies were answered and how
   many refused with 429.

Example:
    python bench/hostile.py --seconds 20
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import asyncio
import base64
import io
import json
import pathlib
import sys
import tempfile
import time
import zlib

import aiohttp
import numpy as np
from PIL import Image
from server_process import start_server, stop_server

from common import contract
from common.cli import OneLineParser
from export import export_model
from model import ManualMLP

SMALL = {"signature_name": contract.PREDICT_PIXELS, "instances": [[[0] * 28] * 28]}
LARGE = {"signature_name": contract.PREDICT_PIXELS, "instances": [[[7] * 28] * 28] * 1000}


def memory(pid):
    """(RSS, peak RSS) of a process in MB, from /proc."""
    fields = dict(
        line.split(":", 1) for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return tuple(int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM"))


def png_of_zeros(side):
    """A genuine black grey PNG of side x side pixels, compressed row by row (a bomb)."""
    compressor, rows = zlib.compressobj(9), []
    row = b"\0" * (side + 1)  # filter byte + pixels
    rows = [compressor.compress(row) for _ in range(side)] + [compressor.flush()]

    def chunk(kind, data):
        return (
            len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
        )

    header = side.to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    body = chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def image_body(data):
    """A predict_image_bytes request body for one file."""
    image = {"b64": base64.b64encode(data).decode()}
    return {"signature_name": contract.PREDICT_IMAGE_BYTES, "instances": [image]}


async def post(session, url, body):
    async with session.post(url, data=body) as reply:
        return reply.status, await reply.read()


def row(state, pid, status):
    rss, peak = memory(pid)
    print(f"| {state} | {rss:.0f} | {peak:.0f} | {status} |")


async def measure_memory(session, url, pid):
    canvas = np.zeros((2048, 2048), np.uint8)
    canvas[300:1700, 900:1150] = 255
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, "PNG")
    largest = json.dumps(image_body(buffer.getvalue()))
    print("| state | RSS MB | peak RSS MB | answer |\n|---|---:|---:|---|")
    for _ in range(20):
        await post(session, url, json.dumps(SMALL))
    row("at rest, after 20 small requests", pid, 200)
    small_image = io.BytesIO()
    Image.fromarray(canvas[::10, ::10]).save(small_image, "PNG")
    for _ in range(5):
        status, _ = await post(session, url, json.dumps(image_body(small_image.getvalue())))
    row("after 5 x 205x205 PNG", pid, status)
    size = len(buffer.getvalue())
    for count in (1, 5, 20):
        for _ in range(count):
            status, _ = await post(session, url, largest)
        await asyncio.sleep(1)
        row(f"after {count} more 2048x2048 PNG ({size} B)", pid, status)
    for side in (12000, 23000):
        bomb = png_of_zeros(side)
        status, answer = await post(session, url, json.dumps(image_body(bomb)))
        await asyncio.sleep(1)
        row(f"after {side}x{side} PNG ({len(bomb)} B)", pid, status)
    print(f"\nrefusal: {answer.decode()}")


# The large-body clients run in a process of their own, so the small-request client's
# latency is the server's, not this interpreter's lock shared with them.
FLOOD = """
import asyncio, json, sys, time
import aiohttp
url, seconds, clients = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
body = json.dumps(json.loads(sys.stdin.read()))
outcomes = {}
async def flood(session, stop):
    while time.monotonic() < stop:
        async with session.post(url, data=body) as reply:
            await reply.read()
            outcomes[reply.status] = outcomes.get(reply.status, 0) + 1
async def main():
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        print("ready", flush=True)
        stop = time.monotonic() + seconds
        await asyncio.gather(*[flood(session, stop) for _ in range(clients)])
asyncio.run(main())
print(json.dumps(outcomes), flush=True)
"""


async def measure_burst(session, url, seconds, clients):
    large, small = json.dumps(LARGE), json.dumps(SMALL)
    command = [sys.executable, "-c", FLOOD, url, str(seconds), str(clients)]
    flood = await asyncio.create_subprocess_exec(
        *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    flood.stdin.write(large.encode())
    flood.stdin.close()
    assert await flood.stdout.readline() == b"ready\n"
    latencies, failed, stop = [], 0, time.monotonic() + seconds
    while time.monotonic() < stop:
        start = time.perf_counter()
        status, _ = await post(session, url, small)
        latencies.append(time.perf_counter() - start)
        failed += status != 200
    outcomes = json.loads(await flood.stdout.readline())
    await flood.wait()
    ms = np.array(latencies) * 1000
    print(
        f"\nsmall requests during a burst of {clients} clients sending {len(large)} B bodies: "
        f"{len(ms)} sent, {failed} failed, p50 {np.percentile(ms, 50):.1f} ms, "
        f"p99 {np.percentile(ms, 99):.1f} ms, max {ms.max():.1f} ms; large bodies: {outcomes}"
    )


async def run(rest_port, pid, seconds, clients):
    url = f"http://127.0.0.1:{rest_port}/v1/models/{contract.MODEL_NAME}:predict"
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await measure_memory(session, url, pid)
        await measure_burst(session, url, seconds, clients)


def main(argv=None):
    parser = OneLineParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the burst")
    parser.add_argument("--clients", type=int, default=8, help="clients sending large bodies")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch, open(f"{scratch}/server.log", "w+b") as log:
        model = ManualMLP(seed=0)
        model(np.zeros((1, contract.NUM_PIXELS), np.float32))
        base = export_model(model, pathlib.Path(scratch) / "mnist", version=1).parent
        process, _, rest_port = start_server(base, None, log)
        try:
            asyncio.run(run(rest_port, process.pid, args.seconds, args.clients))
        finally:
            stop_server(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
