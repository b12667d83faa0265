"""Tests of the shared argument helpers: one-line errors and strict value types."""

import argparse

import pytest

from common.cli import OneLineParser, boolean, int_list, positive_int


def test_one_line_parser_errors_in_one_line(capsys):
    parser = OneLineParser(prog="tool")
    parser.add_argument("--n", type=positive_int, required=True)
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["--n", "0"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "tool: error: argument --n: must be a positive integer, got 0\n"
    )


@pytest.mark.parametrize("text, value", [("true", True), ("1", True), ("No", False), ("0", False)])
def test_boolean_accepts_flag_spellings(text, value):
    assert boolean(text) is value


def test_int_list_parses_and_refuses():
    assert int_list("256,128") == (256, 128)
    for bad in ("256,x", "", "4,0"):
        with pytest.raises(argparse.ArgumentTypeError, match="comma-separated positive"):
            int_list(bad)


def test_positive_int_and_boolean_refuse_garbage():
    with pytest.raises(argparse.ArgumentTypeError, match="not an integer: '1.5'"):
        positive_int("1.5")
    with pytest.raises(argparse.ArgumentTypeError, match="expected true or false, got 'maybe'"):
        boolean("maybe")
