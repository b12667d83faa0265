"""TF Serving's REST routes over the model manager: method, path and body in, JSON out.

Routes, matched like TF Serving (case-insensitive, name and label URL-decoded):
    GET  /v1/models/{name}[/versions/{v}|/labels/{l}]            model status
    GET  /v1/models/{name}[/versions/{v}|/labels/{l}]/metadata   SignatureDefs
    POST /v1/models/{name}[/versions/{v}|/labels/{l}]:predict    predict
    POST /v1/models/{name}[/versions/{v}|/labels/{l}]:classify   classify
Anything else is 400 "Malformed request: METHOD PATH". Every refusal is `{"error": ...}`
with the HTTP status TF Serving maps the error's code to.

Example:
    curl http://127.0.0.1:8501/v1/models/mnist
"""

import dataclasses
import json
import re
import urllib.parse

import grpc

from serving import contract, inference, json_codec, model_info
from serving.errors import ServingError, invalid_argument
from serving.manager import ServableRequest

_PREDICT = re.compile(
    r"/v1/models/([^/:]+)(?:/versions/(\d+)|/labels/([^/:]+))?:(classify|regress|predict)", re.I
)
_STATUS = re.compile(
    r"/v1/models(?:/([^/:]+))?(?:/versions/(\d+)|/labels/([^/:]+))?(?:/(metadata))?", re.I
)
_MAX_VERSION = 2**63 - 1


@dataclasses.dataclass(frozen=True)
class RestResult:
    """An answer: HTTP status, JSON body, and what monitoring records (api None: nothing)."""

    status: int
    body: str
    model_name: str = ""
    api: str | None = None
    code: str = "OK"


class RestApi:
    """Answers REST requests from the models a ModelManager serves.

    Args:
        manager: the ModelManager.
    """

    def __init__(self, manager):
        self._manager = manager

    def handle(self, method, path, body):
        """Answers one request; never raises for anything a client sends.

        Args:
            method: the HTTP method, e.g. "POST".
            path: the raw (still URL-encoded) path, without the query string.
            body: the request body bytes.

        Returns:
            A RestResult.
        """
        model_name, api = "", None
        try:
            predict_match = _PREDICT.fullmatch(path)
            status_match = _STATUS.fullmatch(path)
            if method == "POST" and predict_match:
                name, version, label, verb = predict_match.groups()
                request = _servable_request(name, version, label)
                model_name, api = request.name, verb.lower().capitalize()
                text = self._post(request, verb.lower(), body)
            elif method == "GET" and status_match and status_match.group(1):
                name, version, label, metadata = status_match.groups()
                request = _servable_request(name, version, label)
                model_name = request.name
                api = "GetModelMetadata" if metadata else "GetModelStatus"
                text = self._get(request, bool(metadata))
            elif method == "GET" and status_match:
                raise invalid_argument("Missing model name in request.")
            else:
                raise invalid_argument(f"Malformed request: {method} {path}")
        except ServingError as error:
            body = json.dumps({"error": error.message})
            return RestResult(error.http_status, body, model_name, api, error.code.name)
        return RestResult(200, text, model_name, api)

    def _post(self, request, verb, body):
        if verb == "regress":
            raise ServingError(
                grpc.StatusCode.UNIMPLEMENTED, "Regress is not supported by this server"
            )
        document = json_codec.parse_body(body)
        signature_name = document.get("signature_name") or contract.SERVING_DEFAULT
        if verb == "classify":
            examples = json_codec.classify_examples(document)
            servable = self._manager.resolve(request)
            _, classes, scores = inference.classify(servable, signature_name, examples)
            return json_codec.classify_response(inference.classification_result(classes, scores))
        servable = self._manager.resolve(request)
        signature = servable.signatures.get(signature_name)
        if signature is None:
            raise invalid_argument(
                f'Serving signature name: "{signature_name}" not found in signature def'
            )
        row_format, inputs = json_codec.predict_inputs(document, signature.inputs)
        _, outputs = inference.predict(servable, signature_name, inputs)
        return json_codec.predict_response(outputs, row_format)

    def _get(self, request, metadata):
        if metadata:
            response = model_info.metadata_response(self._manager.resolve(request))
        else:
            response = model_info.status_response(self._manager, request)
        return json.dumps(model_info.to_json_dict(response), indent=1)


def _servable_request(name, version, label):
    name = urllib.parse.unquote(name)
    if version is not None and int(version) > _MAX_VERSION:
        raise invalid_argument(f"Failed to convert version: {version} to numeric.")
    label = urllib.parse.unquote(label) if label is not None else None
    return ServableRequest(name, int(version) if version is not None else None, label)
