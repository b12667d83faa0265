"""Command-line client for the digit model over TF Serving's REST or gRPC API.

`predict` classifies PNG/JPEG files (sent as bytes to the image signature) or MNIST
test digits (sent as pixels) and prints each digit with its probabilities.
`evaluate` sends test digits concurrently and prints the error rate, as TF
Serving's mnist_client does, with requests per second and latency percentiles.
Both work unchanged against `tensorflow_model_server` and `python -m serving.server`.

Example:
    python -m serving.client evaluate --grpc 127.0.0.1:8500 --num-tests 1000 --concurrency 8
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import argparse
import asyncio
import sys

from common import cli, contract
from common.mnist import load_mnist
from serving.client.addresses import check_target, check_url
from serving.client.connect import connect, evaluate_with, format_prediction, predict
from serving.client.requests import FILE_SIGNATURES, PIXEL_SIGNATURES, RequestError, read_image

PROG = "python -m serving.client"
MAX_TESTS = 10000


def build_parser():
    """The CLI's flags, with defaults and help text."""
    transport = argparse.ArgumentParser(add_help=False)
    where = transport.add_mutually_exclusive_group(required=True)
    where.add_argument("--rest", metavar="URL", help="REST base URL, e.g. http://127.0.0.1:8501")
    where.add_argument("--grpc", metavar="HOST:PORT", help="gRPC target, e.g. 127.0.0.1:8500")
    transport.add_argument("--model", default=contract.MODEL_NAME, help="served model name")
    which = transport.add_mutually_exclusive_group()
    which.add_argument("--version", type=int, help="ask this model version (default: latest)")
    which.add_argument("--label", help="ask the version with this label, e.g. stable")
    transport.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    transport.add_argument("--data", help="MNIST .npz file (default: the repo's data/mnist.npz)")

    parser = cli.OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("predict", parents=[transport], help="classify images or digits")
    one.add_argument("images", nargs="*", metavar="IMAGE", help="PNG or JPEG files")
    one.add_argument("--mnist-index", type=int, nargs="+", metavar="I", help="test-set indices")
    one.add_argument(
        "--signature",
        choices=FILE_SIGNATURES + PIXEL_SIGNATURES,
        help=f"default: {FILE_SIGNATURES[0]} for files, {PIXEL_SIGNATURES[0]} for test digits",
    )
    many = commands.add_parser("evaluate", parents=[transport], help="error rate and latency")
    many.add_argument("--num-tests", type=int, default=1000, help=f"test digits, 1-{MAX_TESTS}")
    many.add_argument("--concurrency", type=int, default=1, help="requests in flight at once")
    many.add_argument("--batch-size", type=int, default=1, help="digits per request")
    many.add_argument(
        "--signature", choices=PIXEL_SIGNATURES, default=PIXEL_SIGNATURES[0], help="signature"
    )
    return parser


def check_args(args):
    """Validates flag values before any work and fills in predict's default signature.

    Args:
        args: the parsed command line.

    Raises:
        ValueError: naming the bad flag and value.
    """
    if args.rest is not None:
        check_url(args.rest)
    else:
        check_target(args.grpc)
    if args.timeout <= 0:
        raise ValueError(f"--timeout must be positive, got {args.timeout}")
    if args.version is not None and args.version < 0:
        raise ValueError(f"--version must be a version number (>= 0), got {args.version}")
    if args.command == "evaluate":
        for flag, value, top in [
            ("--num-tests", args.num_tests, MAX_TESTS),
            ("--concurrency", args.concurrency, None),
            ("--batch-size", args.batch_size, None),
        ]:
            if value < 1 or (top is not None and value > top):
                raise ValueError(f"{flag} must be in 1-{top or 'inf'}, got {value}")
        return
    if bool(args.images) == bool(args.mnist_index):
        raise ValueError("give either IMAGE files or --mnist-index, not both or neither")
    allowed = FILE_SIGNATURES if args.images else PIXEL_SIGNATURES
    args.signature = args.signature or allowed[0]
    if args.signature not in allowed:
        raise ValueError(f"--signature {args.signature} does not take these inputs; use {allowed}")
    for index in args.mnist_index or ():
        if not 0 <= index < MAX_TESTS:
            raise ValueError(f"--mnist-index must be in 0-{MAX_TESTS - 1}, got {index}")


def run(args):
    """Runs a validated command and prints its report; returns the exit status."""
    client = connect(args.rest, args.grpc, args.model, args.timeout, args.version, args.label)
    if args.command == "predict" and args.images:
        images = [read_image(path) for path in args.images]
        probabilities = asyncio.run(predict(client, args.signature, images))
        for path, p in zip(args.images, probabilities, strict=True):
            print(format_prediction(path, p))
        return 0
    _, (x_test, y_test) = load_mnist(args.data)
    if args.command == "predict":
        pixels = x_test[args.mnist_index]
        probabilities = asyncio.run(predict(client, args.signature, pixels=pixels))
        for index, p in zip(args.mnist_index, probabilities, strict=True):
            print(format_prediction(f"test[{index}] (label {y_test[index]})", p))
        return 0
    n = args.num_tests
    result = asyncio.run(
        evaluate_with(
            client, x_test[:n], y_test[:n], args.concurrency, args.batch_size, args.signature
        )
    )
    load = result.load
    print(f"Inference error rate: {result.error_rate * 100:.2f}%")
    print(
        f"{n} digits in {len(load.latencies)} requests (batch {args.batch_size}, "
        f"concurrency {args.concurrency}) in {load.seconds:.2f} s: "
        f"{load.requests_per_second:.1f} requests/s"
    )
    print("latency ms: " + "  ".join(f"p{q} {load.percentile_ms(q):.2f}" for q in (50, 95, 99)))
    if load.failures:
        print(
            f"{PROG}: {len(load.failures)} requests failed, first: {load.failures[0]}",
            file=sys.stderr,
        )
        return 1
    return 0


def main(argv=None):
    """Runs one client command; exits 0, or 1 with a one-line reason.

    Args:
        argv: the arguments without the program name; None means sys.argv[1:].
    """
    args = build_parser().parse_args(argv)
    try:
        check_args(args)
        status = run(args)
    except (ValueError, RequestError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        sys.exit(1)
    sys.exit(status)


if __name__ == "__main__":
    main()
