"""REST bodies of the Open Inference Protocol: the JSON request and response, binary data.

A request body is the JSON inference request, or (binary tensor data extension) that JSON
followed by the raw bytes of the inputs whose `parameters` give a `binary_data_size`, in
input order, the `Inference-Header-Content-Length` header giving the JSON's length. An
output is written as raw bytes after the JSON when its requested output's `binary_data`
parameter is true, or when it has none and the request's `binary_data_output` parameter
is true; such a response is `application/octet-stream` with the same header.

Example:
    python -c "from serving.v2.rest_codec import parse_infer; \
print(parse_infer(b'{\"inputs\": [{\"name\": \"x\", \"datatype\": \"INT32\", \
\"shape\": [2], \"data\": [1, 2]}]}', None, 'm', '')[0])"
"""

import orjson

from serving.errors import invalid_argument
from serving.v2.dataplane import InferRequest
from serving.v2.tensors import from_raw, from_values, to_raw, to_values

HEADER_LENGTH = "Inference-Header-Content-Length"
BINARY_SIZE = "binary_data_size"
BINARY_OUTPUT = "binary_data"
ALL_BINARY = "binary_data_output"


def parse_infer(body, header_length, model_name, model_version):
    """Reads an inference request body.

    Args:
        body: the request body bytes.
        header_length: the Inference-Header-Content-Length header's value, or None.
        model_name: the model named in the path.
        model_version: the version named in the path, or "".

    Returns:
        `(request, binary_for)`: the dataplane.InferRequest and a callable(output name) ->
        bool telling whether that output is to be written as binary data.

    Raises:
        ServingError: INVALID_ARGUMENT naming what is wrong with the body.
    """
    text, binary = _split(body, header_length)
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise invalid_argument(f"Malformed JSON in the inference request: {error}") from None
    if not isinstance(document, dict):
        raise invalid_argument("The inference request must be a JSON object")
    request_id = document.get("id", "")
    if not isinstance(request_id, str):
        raise invalid_argument('"id" must be a string')
    parameters = _parameters(document, "the request")
    entries = document.get("inputs")
    if not isinstance(entries, list) or not entries:
        raise invalid_argument('"inputs" must be a non-empty list of input tensors')
    inputs, offset = {}, 0
    for entry in entries:
        name, datatype, shape, tensor_parameters = _input_header(entry)
        if name in inputs:
            raise invalid_argument(f"input '{name}' is given twice")
        size = tensor_parameters.get(BINARY_SIZE)
        if size is None:
            if "data" not in entry:
                raise invalid_argument(f"input '{name}' has neither data nor {BINARY_SIZE}")
            inputs[name] = (datatype, from_values(name, datatype, shape, entry["data"]))
            continue
        if header_length is None:
            raise invalid_argument(
                f"input '{name}' has {BINARY_SIZE} but the request has no {HEADER_LENGTH} header"
            )
        if not _is_count(size) or offset + size > len(binary):
            raise invalid_argument(
                f"input '{name}': {BINARY_SIZE} {size} runs past the {len(binary)} bytes of "
                "binary data after the JSON"
            )
        raw = memoryview(binary)[offset : offset + size]
        inputs[name] = (datatype, from_raw(name, datatype, shape, raw))
        offset += size
    if offset != len(binary):
        raise invalid_argument(
            f"the body holds {len(binary)} bytes of binary data after the JSON, but the "
            f"inputs' {BINARY_SIZE} add up to {offset}"
        )
    outputs = document.get("outputs", [])
    if not isinstance(outputs, list) or not all(
        isinstance(o, dict) and isinstance(o.get("name"), str) for o in outputs
    ):
        raise invalid_argument('"outputs" must be a list of {"name": ...} objects')
    all_binary = parameters.get(ALL_BINARY, False) is True
    binary_outputs = {
        o["name"]: _parameters(o, f"output '{o['name']}'").get(BINARY_OUTPUT, all_binary) is True
        for o in outputs
    }
    request = InferRequest(
        model_name=model_name,
        model_version=model_version,
        inputs=inputs,
        outputs=tuple(o["name"] for o in outputs),
        parameters=parameters,
        id=request_id,
    )
    return request, lambda name: binary_outputs.get(name, all_binary)


def write_infer(response, binary_for):
    """Writes an inference response body.

    Args:
        response: a dataplane.InferResponse.
        binary_for: callable(output name) -> bool, from `parse_infer`.

    Returns:
        `(body, headers)`: bytes and the Content-Type (and Inference-Header-Content-Length
        when there is binary data) headers.

    Raises:
        ServingError: INVALID_ARGUMENT for BYTES outputs JSON cannot carry.
    """
    outputs, blobs = [], []
    for name, (datatype, array) in response.outputs.items():
        entry = {"name": name, "datatype": datatype, "shape": list(array.shape)}
        if binary_for(name):
            raw = to_raw(array)
            entry["parameters"] = {BINARY_SIZE: len(raw)}
            blobs.append(raw)
        else:
            entry["data"] = to_values(name, array)
        outputs.append(entry)
    document = {"model_name": response.model_name, "model_version": response.model_version}
    if response.id:
        document["id"] = response.id
    document["outputs"] = outputs
    header = orjson.dumps(document, option=orjson.OPT_SERIALIZE_NUMPY)
    if not blobs:
        return header, {"Content-Type": "application/json"}
    headers = {"Content-Type": "application/octet-stream", HEADER_LENGTH: str(len(header))}
    return b"".join([header, *blobs]), headers


def _split(body, header_length):
    if header_length is None:
        return body, b""
    text = header_length.strip()
    if not text.isdigit() or int(text) > len(body):
        raise invalid_argument(
            f"{HEADER_LENGTH} {header_length[:32]!r} is not a length within the body's "
            f"{len(body)} bytes"
        )
    return body[: int(text)], body[int(text) :]


def _input_header(entry):
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise invalid_argument('each input must be an object with a "name"')
    name = entry["name"]
    datatype, shape = entry.get("datatype"), entry.get("shape")
    if not isinstance(datatype, str):
        raise invalid_argument(f"input '{name}' has no datatype")
    if not isinstance(shape, list):
        raise invalid_argument(f"input '{name}' has no shape")
    return name, datatype, shape, _parameters(entry, f"input '{name}'")


def _parameters(document, owner):
    parameters = document.get("parameters", {})
    if not isinstance(parameters, dict):
        raise invalid_argument(f'"parameters" of {owner} must be an object')
    return parameters


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
