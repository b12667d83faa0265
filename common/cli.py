"""Argument parsing shared by every entry point: one-line errors and strict value types.

Each CLI of the project (`model.training`, `export`, `serving.server`, `serving.client`, the
benchmarks) exits with status 2 and a single line on stderr for a bad flag, instead of
argparse's usage dump, so scripts and people see exactly one reason.

Example:
    python -m model.training --epochs two   # ...: error: argument --epochs: invalid int value
"""

import argparse


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def boolean(text):
    """Parses true/false/1/0/yes/no (any case) for a flag value.

    Args:
        text: the flag's value.

    Returns:
        bool.

    Raises:
        argparse.ArgumentTypeError: for anything else.
    """
    value = text.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def positive_int(text):
    """Parses a whole number of at least 1 for a flag value.

    Args:
        text: the flag's value.

    Returns:
        int.

    Raises:
        argparse.ArgumentTypeError: if it is not an integer or below 1.
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def int_list(text):
    """Parses comma-separated whole numbers of at least 1, e.g. "256,128".

    Args:
        text: the flag's value.

    Returns:
        tuple of int.

    Raises:
        argparse.ArgumentTypeError: for anything else.
    """
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers, got {text!r}"
        )
    return values
