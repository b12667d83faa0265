"""The compose trainer's entrypoint: trains and exports only if no model version exists yet.

`docker compose up` runs it on every start. The first start trains with the given
flags (those of `python -m model.train`) and exports version 1 into
`--export-base`; later starts find a numeric version directory there and exit at
once, so TF Serving keeps serving what is there. New versions are rolled out on
purpose (see README), never by restarting the stack.

Example:
    python -m model.train_if_empty --recipe tuned --export-base serving/models/mnist
"""

import sys

from export.versions import numeric_versions
from model import train

PROG = "python -m model.train_if_empty"


def main(argv=None):
    """Trains and exports unless `--export-base` already holds a numbered version.

    Args:
        argv: `python -m model.train`'s arguments; None means sys.argv[1:].
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = train.build_parser()
    parser.prog = PROG
    args = parser.parse_args(argv)
    if not args.export_base:
        parser.error("--export-base is required: the model base path to fill")
    versions = numeric_versions(args.export_base)
    if versions:
        print(f"{args.export_base} already holds versions {versions}; not training")
        return
    train.main(argv)


if __name__ == "__main__":
    main()
