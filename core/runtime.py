"""Process-wide TensorFlow settings, applied before TensorFlow is imported."""

from __future__ import annotations

import logging
import os
import warnings


def quiet_tensorflow() -> None:
    """Keep TensorFlow's start-up chatter and Keras's legacy-format notices off the user's console.

    Our own messages say what matters; C++ info logs and "HDF5 is legacy" warnings would bury them.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("absl").setLevel(logging.ERROR)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*HDF5 file.*legacy.*")
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")
