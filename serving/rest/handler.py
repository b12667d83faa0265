"""TF Serving's REST routes over the model manager: method, path and body in, JSON out.

Routes, matched like TF Serving (case-insensitive, name and label URL-decoded):
    GET  /v1/models/{name}[/versions/{v}|/labels/{l}]            model status
    GET  /v1/models/{name}[/versions/{v}|/labels/{l}]/metadata   SignatureDefs
    POST /v1/models/{name}[/versions/{v}|/labels/{l}]:predict    predict
    POST /v1/models/{name}[/versions/{v}|/labels/{l}]:classify   classify
    POST /v1/models/{name}[/versions/{v}|/labels/{l}]:regress    regress
Anything else is 400 "Malformed request: METHOD PATH". Every refusal is `{"error": ...}`
with the HTTP status TF Serving maps the error's code to.

Example:
    curl http://127.0.0.1:8501/v1/models/mnist
"""

import asyncio
import dataclasses
import functools
import json
import re
import urllib.parse

from common import contract
from serving import codecs
from serving.core import ServableRequest, example_apis, inference, model_info
from serving.errors import ServingError, invalid_argument
from serving.request_log.logger import RequestLogger

_PREDICT = re.compile(
    r"/v1/models/([^/:]+)(?:/versions/(\d+)|/labels/([^/:]+))?:(classify|regress|predict)", re.I
)
_STATUS = re.compile(
    r"/v1/models(?:/([^/:]+))?(?:/versions/(\d+)|/labels/([^/:]+))?(?:/(metadata))?", re.I
)
_MAX_VERSION = 2**63 - 1
INLINE_BODY_BYTES = 256 * 1024  # larger bodies are parsed on the executor, off the event loop


@dataclasses.dataclass(frozen=True)
class _Call:
    # A predict or classify request ready to run, and how its outputs become the answer.
    servable: object
    signature: object
    arrays: dict
    output_keys: tuple | None  # None fetches every output
    answer: object
    logged: object  # what the request log needs: see RequestLogger.log_rest's payload


@dataclasses.dataclass(frozen=True)
class RestResult:
    """An answer: HTTP status, JSON body, and what monitoring records (api None: nothing)."""

    status: int
    body: str
    model_name: str = ""
    api: str | None = None
    code: str = "OK"
    version: int | None = None  # the version and signature a request ran, if it got that far
    signature: str = ""


class RestApi:
    """Answers REST requests from the models a ModelManager serves, on an event loop.

    A request's JSON is read and written on the loop; its signature runs on `executor`
    with batching off, or in its batch without holding any thread with batching on.
    Bodies over INLINE_BODY_BYTES are read, and their answers written, on
    `parse_executor`, so the loop keeps answering other requests meanwhile.

    Args:
        manager: the ModelManager.
        executor: the thread pool for signatures (batching off).
        parse_executor: the thread pool for large bodies (None: `executor`).
        check_method_names: `--enable_signature_method_name_check`.
        request_log: the RequestLogger each answered predict, classify or regress is
            offered to, as the gRPC request it amounts to.
    """

    def __init__(
        self, manager, executor, parse_executor=None, check_method_names=False, request_log=None
    ):
        self._manager = manager
        self._executor = executor
        self._parse_executor = parse_executor or executor
        self._check_method_names = check_method_names
        self._request_log = request_log or RequestLogger()

    @property
    def manager(self):
        """The ModelManager whose models this API answers for."""
        return self._manager

    async def handle(self, method, path, body):
        """Answers one request; never raises for anything a client sends.

        Args:
            method: the HTTP method, e.g. "POST".
            path: the raw (still URL-encoded) path, without the query string.
            body: the request body bytes.

        Returns:
            A RestResult.
        """
        model_name, api, ran = "", None, {}
        try:
            predict_match = _PREDICT.fullmatch(path)
            status_match = _STATUS.fullmatch(path)
            if method == "POST" and predict_match:
                name, version, label, verb = predict_match.groups()
                request = _servable_request(name, version, label)
                model_name, api = request.name, verb.lower().capitalize()
                text = await self._post(request, verb.lower(), body, ran)
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
            return RestResult(error.http_status, body, model_name, api, error.code.name, **ran)
        return RestResult(200, text, model_name, api, **ran)

    async def _post(self, request, verb, body, ran):
        # `ran` gets the version and signature the request runs, for the metrics.
        read = functools.partial(self._read, request, verb, body)
        if len(body) <= INLINE_BODY_BYTES:
            call = read()
            ran.update(version=call.servable.version, signature=call.signature.name)
            outputs = await call.servable.run(
                call.signature, call.arrays, self._executor, call.output_keys
            )
            text = call.answer(outputs)
            self._log(verb, call, outputs)
            return text
        # A large body's answer is as large to write, so both happen off the loop.
        loop = asyncio.get_running_loop()
        call = await loop.run_in_executor(self._parse_executor, read)
        ran.update(version=call.servable.version, signature=call.signature.name)
        outputs = await call.servable.run(
            call.signature, call.arrays, self._executor, call.output_keys
        )
        text = await loop.run_in_executor(self._parse_executor, call.answer, outputs)
        self._log(verb, call, outputs)
        return text

    def _log(self, verb, call, outputs):
        self._request_log.log_rest(verb, call.servable, call.signature.name, call.logged, outputs)

    def _read(self, request, verb, body):
        # Everything before the signature runs: the body parsed and checked, inputs prepared.
        document = codecs.parse_body(body)
        signature_name = document.get("signature_name") or contract.SERVING_DEFAULT
        if verb in ("classify", "regress"):
            examples = codecs.classify_examples(document, verb)
            servable = self._manager.resolve(request)
            kind = example_apis.CLASSIFY if verb == "classify" else example_apis.REGRESS
            signature, arrays = example_apis.example_request(
                servable, kind, signature_name, examples, self._check_method_names
            )

            def answer(outputs):
                if kind == example_apis.CLASSIFY:
                    result = example_apis.classification_result(outputs, len(examples))
                    return codecs.classify_response(result)
                return codecs.regress_response(
                    example_apis.regression_result(outputs, len(examples))
                )

            keys = example_apis.output_keys(kind, signature)
            return _Call(servable, signature, arrays, keys, answer, examples)
        servable = self._manager.resolve(request)
        signature = servable.signatures.get(signature_name)
        if signature is None:
            raise invalid_argument(
                f'Serving signature name: "{signature_name}" not found in signature def'
            )
        row_format, inputs = codecs.predict_inputs(document, signature.inputs)
        signature, arrays, wanted = inference.predict_request(
            servable, signature_name, inputs, check=self._check_method_names
        )

        def answer(outputs):
            selected = inference.predict_outputs(outputs, wanted)
            return codecs.predict_response(selected, row_format)

        return _Call(servable, signature, arrays, wanted or None, answer, (arrays, wanted))

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
