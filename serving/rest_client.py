"""An asyncio client for TensorFlow Serving's REST API (predict and classify).

It speaks TF Serving's JSON: columnar `inputs` for predict, `examples` for classify
(answered under "results", as TF Serving's json_tensor.cc writes it; the REST guide's
"result" is a typo), `{"b64": ...}` for binary strings and `{"error": ...}` bodies, so
it works the same against `tensorflow_model_server` and the local server.

Example:
    python -m serving.client predict --rest http://127.0.0.1:8501 --mnist-index 0
"""

import base64
import json
import urllib.parse

import aiohttp
import numpy as np

from serving import contract
from serving.signature_io import RequestError, scores_by_label

JSON_HEADERS = {"Content-Type": "application/json"}


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
        self._model_url = f"{check_url(url)}/v1/models/{model}"
        if version is not None and label is not None:
            raise ValueError("give a model version or a version label, not both")
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
        body = {"signature_name": signature, "inputs": {k: to_json(v) for k, v in inputs.items()}}
        reply = await self._post("predict", body)
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
        reply = await self._post("classify", {"signature_name": signature, "examples": examples})
        results = reply.get("results")
        if not isinstance(results, list) or len(results) != len(examples):
            raise RequestError(f"classify answered no result per example: {str(reply)[:200]}")
        return np.stack([scores_by_label(pairs) for pairs in results])

    async def _post(self, verb, body):
        url = f"{self._model_url}:{verb}"
        try:
            # Compact separators: half the encoding time and a smaller body than the default.
            data = json.dumps(body, separators=(",", ":"))
            async with self._session.post(url, data=data, headers=JSON_HEADERS) as response:
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
