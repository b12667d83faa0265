"""Each peer protocol's request body for a batch of digits, and its answer as probabilities.

Protocols: "tfs" (TF Serving's columnar REST predict, the local server), "kserve-v1"
(`{"instances": ...}` -> `{"predictions": ...}`), "v2" (the Open Inference Protocol
that KServe v2, MLServer and Triton speak: a flat UINT8 tensor with its shape), "json"
(a plain `{"images": ...}` body answered by `{"probabilities": ...}`, as the LitServe and
Ray Serve endpoints are written here) and "json-array" (the same body answered by the
bare array, as BentoML answers an endpoint that returns an np.ndarray).

Example:
    python -c "from peers import protocols; import numpy as np; \
print(protocols.body('v2', np.zeros((1, 28, 28), np.uint8))[:60])"
"""

import json

import numpy as np

from peers.spec import INPUT, OUTPUT, SIGNATURE

PROTOCOLS = ("tfs", "kserve-v1", "v2", "json", "json-array")


def body(protocol, pixels):
    """The JSON request body that asks for `pixels` in `protocol`.

    Args:
        protocol: one of PROTOCOLS.
        pixels: uint8 array [n, 28, 28].

    Returns:
        bytes.

    Raises:
        ValueError: for an unknown protocol.
    """
    pixels = np.asarray(pixels, dtype=np.uint8)
    if protocol == "tfs":
        payload = {"signature_name": SIGNATURE, "inputs": {INPUT: pixels.tolist()}}
    elif protocol == "kserve-v1":
        payload = {"instances": pixels.tolist()}
    elif protocol == "v2":
        tensor = {"name": INPUT, "shape": list(pixels.shape), "datatype": "UINT8"}
        payload = {"inputs": [{**tensor, "data": pixels.reshape(-1).tolist()}]}
    elif protocol in ("json", "json-array"):
        payload = {INPUT: pixels.tolist()}
    else:
        raise ValueError(f"unknown protocol {protocol!r}; use one of {PROTOCOLS}")
    return json.dumps(payload, separators=(",", ":")).encode()


def probabilities(protocol, answer):
    """The probabilities a peer answered, whatever its protocol's JSON shape.

    Args:
        protocol: one of PROTOCOLS.
        answer: the decoded JSON answer.

    Returns:
        float64 array [n, 10].

    Raises:
        ValueError: when the answer lacks the protocol's probabilities.
    """
    try:
        if protocol == "tfs":
            values = answer["outputs"][OUTPUT]
        elif protocol == "kserve-v1":
            values = answer["predictions"]
        elif protocol == "v2":
            (output,) = [out for out in answer["outputs"] if out["name"] == OUTPUT]
            values = np.reshape(output["data"], output["shape"])
        elif protocol == "json":
            values = answer[OUTPUT]
        elif protocol == "json-array":
            values = answer
        else:
            raise ValueError(f"unknown protocol {protocol!r}; use one of {PROTOCOLS}")
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{protocol} answer has no {OUTPUT}: {str(answer)[:200]}") from error
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 10:
        raise ValueError(f"{protocol} answer's {OUTPUT} has shape {array.shape}, not [n, 10]")
    return array
