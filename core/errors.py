"""The errors ``core`` raises for bad input.

Every one carries a message meant for the person using the program: it names the file (or
setting) and says what is wrong and, where it can, what to do. Front ends show ``str(error)``
as it is: the CLI as one line on stderr, the window in a message box.
"""


class StudioError(Exception):
    """Base of every user-facing error raised by ``core``."""


class DataError(StudioError):
    """A data set could not be loaded: missing, corrupt, wrong layout, or the download failed."""


class SpecError(StudioError):
    """A network or training spec is impossible (says which layer and why)."""


class ModelFileError(StudioError):
    """A model file could not be saved or loaded, or holds a model this program cannot use."""


class ImageError(StudioError):
    """A picture of a digit could not be read, or holds no ink."""


class EmptyImageError(ImageError):
    """The picture holds no ink: there is nothing to classify."""
