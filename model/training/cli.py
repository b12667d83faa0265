"""The training command line: one flag per TrainConfig field, one-line errors, workers.

`python -m model.training` trains and writes a run directory; `python -m pipeline` takes
the same flags (this parser) and exports the result. With `--workers N` and no TF_CONFIG,
`run` launches N local workers of the same command instead of training itself.

Example:
    python -m model.training --recipe tuned --run-dir runs/tuned
"""

import dataclasses
import sys

from common import cli
from model.training import config as config_lib
from model.training import launch

PROG = "python -m model.training"
MODULE = "model.training"


def _show(value):
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value).lower()


def build_parser(prog=PROG):
    """A parser with one flag per TrainConfig field, its help text taken from the field.

    Args:
        prog: the program name its errors and usage line show.

    Returns:
        common.cli.OneLineParser.
    """
    parser = cli.OneLineParser(prog=prog, description="Trains ManualMLP with model.fit.")
    kinds = {"int": int, "float": float, "str": str, "bool": cli.boolean, "tuple": cli.int_list}
    for f in dataclasses.fields(config_lib.TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.name == "recipe":
            parser.add_argument(
                flag, choices=config_lib.RECIPES, default="seed", help=f.metadata["help"]
            )
            continue
        defaults = {name: recipe.get(f.name) for name, recipe in config_lib.RECIPES.items()}
        shown = ", ".join(f"{name}: {_show(value)}" for name, value in defaults.items())
        suffix = f" ({shown})" if f.name in config_lib.SEED_RECIPE else ""
        parser.add_argument(flag, type=kinds[f.type.__name__], help=f.metadata["help"] + suffix)
    return parser


def run(settings, argv, prog=PROG, module=MODULE, on_finished=None):
    """Trains as the parsed flags say, or launches local workers of `module` for --workers.

    Args:
        settings: dict of TrainConfig fields from the parser (None for unset flags).
        argv: the command line's arguments, passed on to launched workers.
        prog: the program name of error lines.
        module: the `python -m` module each launched worker runs.
        on_finished: passed to `train.train` (the pipeline's export).

    Returns:
        The metrics dict, or None when workers were launched and all finished.

    Raises:
        SystemExit: with a one-line reason for bad input, or a failed worker's status.
    """
    # Here, not at the top: they import TensorFlow, which `--help` does not need.
    from model.training import distribute
    from model.training.train import DivergenceError, default_run_dir, train

    try:
        config = config_lib.make_config(**settings)
        if config.workers > 1 and not distribute.read_tf_config():
            # Every worker, and every restart, must share one run directory.
            argv = [*argv, "--run-dir", str(config.run_dir or default_run_dir())]
            code = launch.launch(argv, config.workers, module=module)
            if code:
                sys.exit(code)
            return None
        return train(config, on_finished=on_finished)
    except (ValueError, OSError, DivergenceError) as error:
        sys.exit(f"{prog}: error: {error}")


def main(argv=None):
    """Trains as the command line says; exits 1 with a one-line reason on bad input.

    Args:
        argv: the arguments without the program name; None means sys.argv[1:].
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    run(vars(build_parser().parse_args(argv)), argv)
