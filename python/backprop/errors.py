"""The exceptions backprop raises; each carries the message the command line prints.

- ``Error``: the base of them all (also a bug caught inside the engine, which never crashes
  the interpreter).
- ``InputError`` (also a ``ValueError``): a bad spec, data, model file, notes or setting.
- ``FileError`` (also an ``OSError``): a file that cannot be read or written.
- ``TrainingDiverged`` (also an ``ArithmeticError``): the loss or a parameter became NaN or
  infinite; the message names the epoch, step and where.

Ctrl-C during training raises Python's own ``KeyboardInterrupt`` after the step in progress.
"""


class Error(Exception):
    """Base class of backprop's exceptions."""


class InputError(Error, ValueError):
    """A spec, data, model file, notes or setting that cannot work."""


class FileError(Error, OSError):
    """A file that cannot be read or written."""


class TrainingDiverged(Error, ArithmeticError):
    """Training produced a NaN or an infinity."""


__all__ = ["Error", "InputError", "FileError", "TrainingDiverged"]
