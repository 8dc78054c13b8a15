"""The engine of MNIST CNN Studio: data, model specs, training, model files, preprocessing.

Nothing in this package imports Qt; the window in ``gui`` and the command line in ``main.py``
both drive it through the same functions.
"""
