"""Command line: export a training run's checkpoint as the next TF Serving version.

Arguments are checked before TensorFlow is imported, so bad input fails fast with one line
on stderr and exit status 2; a failed export exits 1. On success the new version's path is
printed.

Example:
    python -m export --checkpoint runs/tuned/model.keras --base-path serving/models/mnist --tflite
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import sys

from common import cli, contract
from export import checkpoint, writer


def build_parser():
    """The CLI's arguments, with defaults and help.

    Returns:
        argparse.ArgumentParser.
    """
    parser = cli.OneLineParser(
        prog="python -m export",
        description="Export a training run's checkpoint as a new TF Serving model version.",
    )
    parser.add_argument(
        "--checkpoint", required=True, help="the training run's RUN_DIR/model.keras"
    )
    parser.add_argument(
        "--base-path",
        default=contract.DEFAULT_BASE_PATH,
        help="TF Serving base path; the version is written under it (default: %(default)s)",
    )
    parser.add_argument(
        "--version",
        type=cli.positive_int,
        default=None,
        help="version number to write (default: one more than the highest present)",
    )
    parser.add_argument(
        "--tflite",
        action="store_true",
        help="also write model.tflite (the signatures without string tensors), checked to "
        "agree with the SavedModel on MNIST test digits before the version is published",
    )
    return parser


def main(argv=None):
    """Parses arguments, checks them, exports, and prints the new version's path.

    Args:
        argv: argument list, or None for sys.argv[1:].

    Returns:
        int exit status: 0 on success, 1 if the export failed, 2 for bad arguments.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        checkpoint.check_checkpoint(args.checkpoint)
        writer.resolve_version(args.base_path, args.version)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    from export import export_checkpoint  # TensorFlow is imported only past this point.

    try:
        path = export_checkpoint(args.checkpoint, args.base_path, args.version, args.tflite)
    except (OSError, ValueError, writer.ExportError) as error:
        print(f"{parser.prog}: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
