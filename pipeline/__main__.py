"""`python -m pipeline`: train, then export (see `pipeline.train_export`).

Example:
    python -m pipeline --recipe tuned --export-base serving/models/mnist
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

from pipeline.train_export import main

if __name__ == "__main__":
    main()
