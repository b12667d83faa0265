"""The bottom layer: what every package and entry point shares, with no project imports.

Nothing here imports TensorFlow, Keras or another package of this project (`make lint`
checks it), so any entry point can use it and still answer `--help` at once:
- `contract`: the serving contract, model name, signatures, input and output keys;
- `cli`: argparse with one-line errors and strict value types;
- `quiet`: TensorFlow's start-up lines kept off the terminal;
- `import_hooks`: code run around a module's first import;
- `mnist`: the repo's MNIST file, loaded and checked without TensorFlow;
- `versions`: the version directories under a TF Serving base path;
- `ports`: a free loopback port.

Example:
    python -c "from common import contract; print(contract.SIGNATURES)"
"""

__all__ = ["cli", "contract", "import_hooks", "mnist", "ports", "quiet", "versions"]
