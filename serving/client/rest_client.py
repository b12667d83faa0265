"""An asyncio client for TensorFlow Serving's REST API (predict and classify).

It speaks TF Serving's JSON: columnar `inputs` for predict, `examples` for classify
(answered under "results", as TF Serving's json_tensor.cc writes it; the REST guide's
"result" is a typo), `{"b64": ...}` for binary strings and `{"error": ...}` bodies, so
it works the same against `tensorflow_model_server` and the local server. Numeric arrays
are written, and answers read, by orjson straight from and to numpy rather than through
Python lists, which cost most of a large request's CPU.

Example:
    python -m serving.client predict --rest http://127.0.0.1:8501 --mnist-index 0
"""

import base64
import json
import urllib.parse

import aiohttp
import numpy as np
import orjson

from common import contract
from serving.client.addresses import check_url
from serving.client.requests import RequestError, check_version_choice, scores_by_label

JSON_HEADERS = {"Content-Type": "application/json"}


def to_json(value):
    """Converts an input array to TF Serving's JSON: nested lists, bytes as {"b64": ...}."""
    array = np.asarray(value)
    if array.dtype.kind in "OS":
        flat = [{"b64": base64.b64encode(item).decode("ascii")} for item in array.ravel()]
        return np.array(flat, dtype=object).reshape(array.shape).tolist()
    return array.tolist()


def request_body(signature, inputs):
    """The compact JSON body of a columnar predict request.

    Args:
        signature: the signature name.
        inputs: dict of input key to array (bytes arrays become b64 objects).

    Returns:
        bytes: {"signature_name": ..., "inputs": {key: nested lists}}. orjson writes
        numbers straight from numpy (float32 values as their shortest float32 text);
        json writes NaN and Infinity, which orjson would turn into null.
    """
    arrays = {key: np.asarray(value) for key, value in inputs.items()}
    # Arrays (not scalars) of booleans and real numbers go to orjson as they are.
    native = {key: a.ndim and a.dtype.kind in "biuf" for key, a in arrays.items()}
    if all(
        np.isfinite(a).all() for key, a in arrays.items() if native[key] and a.dtype.kind == "f"
    ):
        values = {
            key: np.ascontiguousarray(a) if native[key] else to_json(a) for key, a in arrays.items()
        }
        body = {"signature_name": signature, "inputs": values}
        return orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
    body = {"signature_name": signature, "inputs": {k: to_json(a) for k, a in arrays.items()}}
    return json.dumps(body, separators=(",", ":")).encode()


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
        if outputs is not None and signature in contract.SINGLE_OUTPUT:
            # TF Serving answers a one-output signature's tensor without its name.
            outputs = {contract.SINGLE_OUTPUT[signature]: outputs}
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
        reply = await self._post("classify", orjson.dumps(body))
        results = reply.get("results")
        if not isinstance(results, list) or len(results) != len(examples):
            raise RequestError(f"classify answered no result per example: {str(reply)[:200]}")
        return np.stack([scores_by_label(pairs) for pairs in results])

    async def _post(self, verb, body):
        """POSTs a JSON body to `:verb` and returns the answer's object."""
        url = f"{self._model_url}:{verb}"
        try:
            async with self._session.post(url, data=body, headers=JSON_HEADERS) as response:
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RequestError(f"{url}: {type(error).__name__}: {error}") from error
        try:
            reply = orjson.loads(raw)
        except orjson.JSONDecodeError:
            try:  # NaN and Infinity, which TF Serving writes and orjson does not read
                reply = json.loads(raw)
            except ValueError:
                text = raw[:200].decode("utf-8", "replace")
                raise RequestError(f"{url}: HTTP {status}, not JSON: {text!r}") from None
        error = reply.get("error") if isinstance(reply, dict) else None
        if status != 200 or error is not None or not isinstance(reply, dict):
            text = raw[:200].decode("utf-8", "replace")
            raise RequestError(f"{url}: HTTP {status}: {error or text}")
        return reply
