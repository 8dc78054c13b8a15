"""A training listener that records what the engine reports, shared by the engine's tests."""

from core.training import TrainingListener


class Recorder(TrainingListener):
    """Keeps every report; ``on_batch`` (optional) runs at each batch end, e.g. to pause or stop."""

    def __init__(self, on_batch=None):
        self.plan, self.batches, self.epochs, self.finished, self.failed = None, [], [], [], []
        self.on_batch = on_batch

    def on_train_begin(self, plan):
        self.plan = plan

    def on_batch_end(self, progress):
        self.batches.append(progress)
        if self.on_batch:
            self.on_batch(progress)

    def on_epoch_end(self, result):
        self.epochs.append(result)

    def on_finished(self, outcome):
        self.finished.append(outcome)

    def on_failed(self, message):
        self.failed.append(message)
