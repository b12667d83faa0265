"""`python -m pipeline`: trains as `python -m model.training` does, then exports the model.

Every flag of `python -m model.training` is taken as it is; two are added:
- `--export-base DIR` exports the trained model as the next version under DIR (the chief
  only, in a multi-worker run), with the recipe, test accuracy and calibration in its
  `export_info.json`, and records the version's path in the run's metrics.json;
- `--if-empty` (needs `--export-base`) exits at once when DIR already holds a version, so
  `docker compose up` trains on its first start only, and new versions are rolled out on
  purpose (docs/compose.md), never by restarting the stack.

Example:
    python -m pipeline --recipe tuned --export-base serving/models/mnist --if-empty
"""

import sys

from common.versions import numeric_versions
from export import METRICS_KEYS, ExportError
from model.training import cli as training_cli

PROG = "python -m pipeline"
MODULE = "pipeline"


def build_parser():
    """The training parser with --export-base and --if-empty added."""
    parser = training_cli.build_parser(PROG)
    parser.description = "Trains ManualMLP with model.fit, then exports it for TF Serving."
    parser.add_argument(
        "--export-base", help="after training, export a SavedModel version under this base path"
    )
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing if --export-base already holds a version (the compose trainer)",
    )
    return parser


def exporter(base_path):
    """The `on_finished` step that exports a trained model under `base_path`.

    Args:
        base_path: the model's base path; the export is its next version.

    Returns:
        callable(model, metrics) -> {"export_path": str}.
    """

    def export(model, metrics):
        # Here, not at the top: the exporter imports TensorFlow, which `--help` does not need.
        from export import export_model

        metadata = {key: metrics[key] for key in METRICS_KEYS}
        return {"export_path": str(export_model(model, base_path, metadata=metadata))}

    return export


def main(argv=None):
    """Trains, then exports, as the command line says; one-line errors, exit 1 or 2.

    Args:
        argv: the arguments without the program name; None means sys.argv[1:].
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    settings = vars(parser.parse_args(argv))
    base_path, if_empty = settings.pop("export_base"), settings.pop("if_empty")
    if if_empty and not base_path:
        parser.error("--if-empty needs --export-base: the model base path to fill")
    versions = numeric_versions(base_path) if if_empty else []
    if versions:
        print(f"{base_path} already holds versions {versions}; not training")
        return
    on_finished = exporter(base_path) if base_path else None
    try:
        training_cli.run(settings, argv, PROG, MODULE, on_finished)
    except ExportError as error:
        sys.exit(f"{PROG}: error: {error}")
