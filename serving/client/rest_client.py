"""An asyncio client for TensorFlow Serving's REST API (predict and classify).

It speaks TF Serving's JSON: columnar `inputs` for predict, `examples` for classify
(answered under "results", as TF Serving's json_tensor.cc writes it; the REST guide's
"result" is a typo), `{"b64": ...}` for binary strings and `{"error": ...}` bodies, so
it works the same against `tensorflow_model_server` and the local server. uint8 pixel
arrays are written as JSON text by numpy (byte for byte what `json.dumps` writes) rather
than through Python lists, which cost most of a large request's CPU.

Example:
    python -m serving.client predict --rest http://127.0.0.1:8501 --mnist-index 0
"""

import base64
import functools
import json
import urllib.parse

import aiohttp
import numpy as np

from serving import contract
from serving.client.requests import RequestError, check_version_choice, scores_by_label

JSON_HEADERS = {"Content-Type": "application/json"}

# Each byte value's JSON text and a comma, as rows of 4 bytes with a mask of those used.
_TOKENS = np.zeros((256, 4), np.uint8)
_TOKEN_USED = np.zeros((256, 4), bool)
for _value in range(256):
    _token = np.frombuffer(f"{_value},".encode(), np.uint8)
    _TOKENS[_value, : _token.size], _TOKEN_USED[_value, : _token.size] = _token, True
_TOKEN_LENGTHS = _TOKEN_USED.sum(axis=1)


def check_url(url):
    """Validates a REST base URL such as http://127.0.0.1:8501.

    Args:
        url: the server's base URL.

    Returns:
        The URL without a trailing slash.

    Raises:
        ValueError: if it is not an http(s) URL with a host.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"REST URL must look like http://HOST:PORT, got {url!r}")
    return url.rstrip("/")


def to_json(value):
    """Converts an input array to TF Serving's JSON: nested lists, bytes as {"b64": ...}."""
    array = np.asarray(value)
    if array.dtype.kind in "OS":
        flat = [{"b64": base64.b64encode(item).decode("ascii")} for item in array.ravel()]
        return np.array(flat, dtype=object).reshape(array.shape).tolist()
    return array.tolist()


@functools.lru_cache(maxsize=32)
def _brackets(shape):
    """Where an array of `shape` opens and closes sub-arrays: (element indices, bytes).

    Returns:
        int array [k], the element each bracket belongs to, and uint8 array [k]: "[" goes
        before that element's digits, "]" after them (before its comma).
    """
    index = np.arange(int(np.prod(shape)))[:, None]
    spans = np.cumprod(shape[::-1])[::-1]  # elements in one sub-array of each axis
    opens = np.repeat(index[:, 0], (index % spans == 0).sum(axis=1))
    closes = np.repeat(index[:, 0], ((index + 1) % spans == 0).sum(axis=1))
    brackets = np.repeat(np.array([ord("["), ord("]")], np.uint8), [opens.size, closes.size])
    return np.concatenate([opens, closes]), brackets, opens.size


def uint8_json(array):
    """Writes a uint8 array as compact JSON nested lists, as json.dumps(array.tolist()) would.

    Args:
        array: uint8 array of at least one dimension and one element.

    Returns:
        The JSON text, e.g. "[[0,255],[7,8]]".
    """
    flat = array.ravel()
    lengths = _TOKEN_LENGTHS[flat]
    text = _TOKENS[flat][_TOKEN_USED[flat]]  # "d,dd,ddd,..." with a trailing comma
    commas = np.cumsum(lengths) - 1
    elements, brackets, num_opens = _brackets(array.shape)
    positions = (commas - lengths + 1)[elements]
    positions[num_opens:] = commas[elements[num_opens:]]
    order = np.argsort(positions, kind="stable")
    return np.insert(text, positions[order], brackets[order])[:-1].tobytes().decode()


def request_body(signature, inputs):
    """The compact JSON text of a columnar predict request.

    Args:
        signature: the signature name.
        inputs: dict of input key to array (bytes arrays become b64 objects).

    Returns:
        str, equal to json.dumps({"signature_name": ..., "inputs": ...}) with compact
        separators.
    """
    values = []
    for key, value in inputs.items():
        array = np.asarray(value)
        fast = array.dtype == np.uint8 and array.ndim and array.size
        text = uint8_json(array) if fast else json.dumps(to_json(array), separators=(",", ":"))
        values.append(f"{json.dumps(key)}:{text}")
    return f'{{"signature_name":{json.dumps(signature)},"inputs":{{{",".join(values)}}}}}'


class RestClient:
    """Predict and classify over TF Serving's REST API; use as `async with RestClient(url)`.

    Args:
        url: base URL of the REST port, e.g. http://127.0.0.1:8501.
        model: model name in the URL path.
        timeout: seconds before a request is abandoned.
        version: ask this version (int) instead of the latest, or None.
        label: ask the version with this label instead of the latest, or None.
    """

    def __init__(self, url, model=contract.MODEL_NAME, timeout=30.0, version=None, label=None):
        check_version_choice(version, label)
        self._model_url = f"{check_url(url)}/v1/models/{model}"
        if version is not None:
            self._model_url += f"/versions/{int(version)}"
        elif label is not None:
            self._model_url += f"/labels/{urllib.parse.quote(label, safe='')}"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = None

    async def __aenter__(self):
        # limit=0: as many pooled connections as there are requests in flight.
        connector = aiohttp.TCPConnector(limit=0)
        self._session = aiohttp.ClientSession(timeout=self._timeout, connector=connector)
        return self

    async def __aexit__(self, *exc_info):
        await self._session.close()

    async def predict(self, inputs, signature=contract.SERVING_DEFAULT):
        """Calls `:predict` with columnar inputs.

        Args:
            inputs: dict of input key to array (bytes arrays are sent as b64).
            signature: the signature name.

        Returns:
            dict of output key to numpy array.

        Raises:
            RequestError: with TF Serving's error message or the connection failure.
        """
        reply = await self._post("predict", request_body(signature, inputs))
        outputs = reply.get("outputs")
        if not isinstance(outputs, dict):
            raise RequestError(f"predict answered no named outputs: {str(reply)[:200]}")
        return {key: np.asarray(value) for key, value in outputs.items()}

    async def classify(self, features, signature=contract.CLASSIFY):
        """Calls `:classify` with one tf.Example per row, in TF Serving's JSON form.

        Args:
            features: float array [n, 784], the contract's example feature per row.
            signature: the classification signature name.

        Returns:
            float32 array [n, 10]: each example's scores ordered by digit.

        Raises:
            RequestError: with TF Serving's error message or the connection failure.
        """
        # Python floats serialize with a decimal point, so TF Serving parses a float_list.
        examples = [{contract.EXAMPLE_FEATURE: row} for row in np.asarray(features).tolist()]
        body = {"signature_name": signature, "examples": examples}
        reply = await self._post("classify", json.dumps(body, separators=(",", ":")))
        results = reply.get("results")
        if not isinstance(results, list) or len(results) != len(examples):
            raise RequestError(f"classify answered no result per example: {str(reply)[:200]}")
        return np.stack([scores_by_label(pairs) for pairs in results])

    async def _post(self, verb, body):
        """POSTs JSON text (compact separators: less to encode and send) to `:verb`."""
        url = f"{self._model_url}:{verb}"
        try:
            async with self._session.post(url, data=body, headers=JSON_HEADERS) as response:
                status, text = response.status, await response.text()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RequestError(f"{url}: {type(error).__name__}: {error}") from error
        try:
            reply = json.loads(text)
        except ValueError:
            raise RequestError(f"{url}: HTTP {status}, not JSON: {text[:200]!r}") from None
        error = reply.get("error") if isinstance(reply, dict) else None
        if status != 200 or error is not None or not isinstance(reply, dict):
            raise RequestError(f"{url}: HTTP {status}: {error or text[:200]}")
        return reply
