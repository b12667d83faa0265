"""A REST request body's JSON text read into a document, as TF Serving's parser reads it.

TF Serving parses bodies with rapidjson: any nesting depth, NaN and Infinity accepted, and
errors worded by rapidjson with their byte offset ("JSON Parse error: Invalid value. at
offset: 17"). A body must be a JSON object whose "signature_name", if any, is a string.
Here the common numeric predict body is read by simdjson straight into numpy
(`codecs.json_numeric`), every other body by orjson, and what orjson refuses by json,
whose verdicts and offsets are answered in rapidjson's words.

Example:
    python -c "from serving.codecs.json_document import parse_body; \
print(parse_body(b'{\"signature_name\": \"s\", \"examples\": []}'))"
"""

import json
import sys
import threading

import orjson

from serving.codecs.json_numeric import parse_plain
from serving.errors import invalid_argument

# Python's JSON parse errors in rapidjson's words (GetParseError_En), which TF Serving uses.
_PARSE_ERRORS = (
    ("Expecting value", "Invalid value."),
    ("Expecting property name enclosed in double quotes", "Missing a name for object member."),
    ("Expecting ':' delimiter", "Missing a colon after a name of object member."),
    ("Expecting ',' delimiter", "Missing a comma or ']' after an array element."),
    ("Unterminated string", "Missing a closing quotation mark in string."),
    ("Invalid \\escape", "Invalid escape character in string."),
    ("Invalid control character", "Invalid encoding in string."),
    ("Extra data", "The document root must not be followed by other values."),
)
_SHOWN_CHARS = 200  # how much of an offending JSON value an error message repeats
_DEEP_PARSE = threading.Lock()  # one deep parse at a time: it changes process-wide limits
_DEEP_STACK_BYTES = 1 << 30  # reserved, not committed: room for ~10^6 nesting levels


def parse_body(body):
    """Parses a request body that must be a JSON object.

    Args:
        body: the raw request bytes.

    Returns:
        The object as a dict.

    Raises:
        ServingError: INVALID_ARGUMENT with TF Serving's "JSON Parse error: ..." wording.
    """
    if not body.strip():
        raise invalid_argument("JSON Parse error: The document is empty")
    plain = parse_plain(body)  # the common numeric predict body, without Python lists
    if plain is not None:
        return plain
    try:
        document = _loads(body)
    except UnicodeDecodeError as error:
        raise invalid_argument(
            f"JSON Parse error: Invalid encoding in string. ({error})"
        ) from error
    except json.JSONDecodeError as error:
        reason = next((r for p, r in _PARSE_ERRORS if error.msg.startswith(p)), error.msg)
        raise invalid_argument(f"JSON Parse error: {reason} at offset: {error.pos}") from error
    except RecursionError:  # deeper than even the deep parse could take
        raise invalid_argument("JSON Parse error: The document is nested too deeply") from None
    if not isinstance(document, dict):
        raise invalid_argument(f"JSON Value: {shown(document)} Is not object")
    signature_name = document.get("signature_name", "")
    if not isinstance(signature_name, str):
        raise invalid_argument(
            f"JSON Value: {shown(document)} not formatted correctly. "
            f"'signature_name' key must be a string value."
        )
    return document


def _loads(body):
    # orjson reads a request several times faster than json. Whatever it refuses (NaN and Infinity,
    # integers past 64 bits, lone surrogates, a BOM, more than 1024 levels, a malformed
    # body) is read again by json, whose verdicts and error positions the server answers.
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    # json.loads recurses once per nesting level; TF Serving's parser (rapidjson, iterative)
    # takes any depth. A body nested past Python's limit is parsed again on a thread with a
    # stack and recursion limit sized for it: the body limit bounds the depth.
    try:
        return json.loads(body)
    except RecursionError:
        pass
    result = {}

    def parse():
        try:
            result["document"] = json.loads(body)
        except Exception as error:  # handed to the caller's thread
            result["error"] = error

    with _DEEP_PARSE:
        limit = sys.getrecursionlimit()
        stack = threading.stack_size(_DEEP_STACK_BYTES)
        try:
            sys.setrecursionlimit(len(body) + limit)
            thread = threading.Thread(target=parse, name="deep-json")
            thread.start()
            thread.join()
        finally:
            threading.stack_size(stack)
            sys.setrecursionlimit(limit)
    if "error" in result:
        raise result["error"]
    return result["document"]


def shown(value):
    """A JSON value as TF Serving's request errors quote it: json.dumps, cut at 200 chars.

    Args:
        value: a parsed JSON value.

    Returns:
        str.
    """
    try:
        text = json.dumps(value)
    except RecursionError:  # a value nested too deep to print: its start is enough
        text, probe = "", value
        while isinstance(probe, list) and probe and len(text) <= _SHOWN_CHARS:
            text, probe = text + "[", probe[0]
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "..."
