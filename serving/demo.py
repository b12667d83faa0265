"""The end of `make run`: serve the exported model locally, ask it once over REST and gRPC.

Starts the local server on free 127.0.0.1 ports over the base path, sends one MNIST test
digit to `predict_pixels` over REST and over gRPC with the project's clients, prints both
answers, and stops the server.

Example:
    python -m serving.demo --model-base-path serving/models/mnist --mnist-index 0
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import asyncio
import pathlib
import sys

from common import cli, contract
from common.mnist import load_mnist
from serving.client import RequestError, connect, format_prediction, predict
from serving.errors import ConfigError
from serving.server import FREE_PORT, ServerConfig, build_server


def demo(base_path, index, print_fn=print):
    """Serves `base_path`, predicts test digit `index` over REST and gRPC, and stops.

    Args:
        base_path: a model base path holding at least one exported version.
        index: which MNIST test digit to send.
        print_fn: receives the output lines.

    Returns:
        dict mapping "rest" and "grpc" to the probabilities [10] each API returned.
    """
    _, (x_test, y_test) = load_mnist()
    config = ServerConfig(
        model_name=contract.MODEL_NAME,
        model_base_path=str(base_path),
        port=FREE_PORT,
        rest_api_port=FREE_PORT,
    )
    answers = {}
    with build_server(config) as server:
        targets = {
            "rest": {"rest": f"http://127.0.0.1:{server.rest_port}"},
            "grpc": {"grpc": f"127.0.0.1:{server.grpc_port}"},
        }
        for api, target in targets.items():
            client = connect(**target)
            probabilities = asyncio.run(
                predict(client, contract.PREDICT_PIXELS, pixels=x_test[index : index + 1])
            )[0]
            answers[api] = probabilities
            where = next(iter(target.values()))
            print_fn(
                format_prediction(
                    f"{api} {where} test[{index}] (label {y_test[index]})", probabilities
                )
            )
    return answers


def main(argv=None):
    """Runs the demo on the command line's base path; exits non-zero with one line on failure.

    Args:
        argv: the arguments without the program name; None means sys.argv[1:].
    """
    parser = cli.OneLineParser(prog="python -m serving.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model-base-path",
        default=contract.DEFAULT_BASE_PATH,
        help="base path with exported versions (default: %(default)s)",
    )
    parser.add_argument("--mnist-index", type=int, default=0, help="test digit to send (0-9999)")
    args = parser.parse_args(argv)
    if not 0 <= args.mnist_index < 10000:
        parser.error(f"--mnist-index must be in 0-9999, got {args.mnist_index}")
    if not pathlib.Path(args.model_base_path).is_dir():
        parser.error(f"no model base path at {args.model_base_path}; run `make run` to export")
    try:
        demo(args.model_base_path, args.mnist_index)
    except (ConfigError, RequestError, OSError, ValueError) as error:
        sys.exit(f"python -m serving.demo: error: {error}")


if __name__ == "__main__":
    main()
