"""`python -m model.training`: trains ManualMLP as the flags say (see `model.training.cli`).

Example:
    python -m model.training --recipe tuned --epochs 3 --run-dir runs/quick
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

from model.training.cli import main

if __name__ == "__main__":
    main()
