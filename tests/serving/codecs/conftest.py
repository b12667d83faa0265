"""The codecs' shared test helper: the INVALID_ARGUMENT message a call is refused with."""

import pytest

from serving.errors import ServingError


@pytest.fixture
def refusal():
    """`refusal(function, *args) -> message`: asserts the call raises INVALID_ARGUMENT."""

    def refused(function, *args):
        with pytest.raises(ServingError) as caught:
            function(*args)
        assert caught.value.code.name == "INVALID_ARGUMENT"
        return caught.value.message

    return refused
