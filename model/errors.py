"""Turning an exception from deep inside Keras or TensorFlow into the text of a one-line error message."""


def first_line(error: BaseException) -> str:
    """The first non-empty line of `error`'s message, or its type's name when it has none.

    Example:
    >>> first_line(ValueError("bad shape\\nmore detail"))
    'bad shape'
    >>> first_line(KeyError())
    'KeyError'
    """
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
