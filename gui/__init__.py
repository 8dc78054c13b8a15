"""The window of MNIST CNN Studio: thin Qt views over ``core``.

Nothing here trains, loads or scores on its own: long work goes to ``core`` on worker threads
(``gui.tasks`` for one-off jobs, ``gui.training_worker`` for training) and comes back as signals.
"""
