"""``python -m inference.ml.train`` / ``torchrun --nproc_per_node N -m inference.ml.train``."""

import sys

from inference.ml.train.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
