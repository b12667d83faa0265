"""TF Serving's REST API (`/v1/models/...`) as OpenAPI paths and schemas for one model.

Each served version gets its own paths (`/v1/models/NAME/versions/V[/metadata|:predict|
:classify|:regress]`) whose request and response schemas come from that version's
SignatureDefs; the unversioned paths describe the latest version (the one they reach), and
`/labels/{label}` paths accept what any served version accepts. A :predict body is a
`oneOf` over the version's signatures, told apart by `signature_name`.

Example:
    python -c "from serving.openapi.v1_paths import model_paths; help(model_paths)"
"""

from serving.openapi import signature_schemas
from serving.openapi.signature_schemas import CLASSIFY, REGRESS

_VERBS = ("predict", CLASSIFY, REGRESS)


def ref(name):
    """A JSON reference to a schema in the document's components.

    Args:
        name: the component's name.

    Returns:
        {"$ref": "#/components/schemas/NAME"}.
    """
    return {"$ref": f"#/components/schemas/{name}"}


def model_paths(name, servables):
    """The paths and component schemas of one model's served versions.

    Args:
        name: the model name.
        servables: dict version -> Servable (at least one).

    Returns:
        `(paths, schemas)`: OpenAPI path items by path, and component schemas by name.
    """
    schemas, bodies = {}, {}
    for version, servable in sorted(servables.items()):
        bodies[version] = _version_schemas(name, version, servable, schemas)
    paths, latest = {}, max(servables)
    prefixes = [(f"/v1/models/{name}", f"{name}", bodies[latest], "the latest version")]
    for version in sorted(servables):
        prefix = f"/v1/models/{name}/versions/{version}"
        prefixes.append((prefix, f"{name}_v{version}", bodies[version], f"version {version}"))
    union = {
        verb: {"anyOf": [body[verb] for body in bodies.values() if verb in body]}
        for verb in _VERBS
        if any(verb in body for body in bodies.values())
    }
    union["predict_response"] = {"anyOf": [b["predict_response"] for b in bodies.values()]}
    prefixes.append((f"/v1/models/{name}/labels/{{label}}", f"{name}_label", union, "a label"))
    for prefix, operation, body, which in prefixes:
        items = {
            "": _get(f"{operation}_status", f"Status of {name}, {which}", "ModelStatus"),
            "/metadata": _get(
                f"{operation}_metadata", f"SignatureDefs of {name}, {which}", "ModelMetadata"
            ),
            ":predict": _post(
                f"{operation}_predict", f"Predict with {name}, {which}",
                body["predict"], body["predict_response"],
            ),
        }  # fmt: skip
        for verb in (CLASSIFY, REGRESS):
            if verb in body:
                items[f":{verb}"] = _post(
                    f"{operation}_{verb}", f"{verb.capitalize()} with {name}, {which}",
                    body[verb], ref(f"{verb.capitalize()}Response"),
                )  # fmt: skip
        for suffix, item in items.items():
            if "{label}" in prefix:
                item["parameters"] = [_LABEL_PARAMETER]
            paths[prefix + suffix] = item
    return paths, schemas


_LABEL_PARAMETER = {
    "name": "label",
    "in": "path",
    "required": True,
    "description": "A version label of the model config (version_labels).",
    "schema": {"type": "string"},
}


def _version_schemas(name, version, servable, schemas):
    # Adds one version's per-signature components; returns its request/response schemas.
    # Keys starting "__" (the `__saved_model_init_op` TF2 writes) are no signatures to call.
    prefix = f"{name}.{version}"
    requests, responses = [], []
    signatures = {k: s for k, s in servable.signatures.items() if not k.startswith("__")}
    for key, signature in sorted(signatures.items()):
        schemas[f"{prefix}.{key}.PredictRequest"] = signature_schemas.predict_request(signature)
        schemas[f"{prefix}.{key}.PredictResponse"] = signature_schemas.predict_response(signature)
        requests.append(ref(f"{prefix}.{key}.PredictRequest"))
        responses.append(ref(f"{prefix}.{key}.PredictResponse"))
    schemas[f"{prefix}.PredictRequest"] = {"oneOf": requests}
    schemas[f"{prefix}.PredictResponse"] = {"anyOf": responses}
    body = {
        "predict": ref(f"{prefix}.PredictRequest"),
        "predict_response": ref(f"{prefix}.PredictResponse"),
    }
    for verb in (CLASSIFY, REGRESS):
        names = [
            key
            for key, signature in sorted(signatures.items())
            if signature_schemas.serves(signature, verb)
        ]
        if names:
            component = f"{prefix}.{verb.capitalize()}Request"
            schemas[component] = _example_request(names)
            body[verb] = ref(component)
    return body


def _example_request(signature_names):
    return {
        "type": "object",
        "properties": {
            "signature_name": {"type": "string", "enum": signature_names},
            "context": {**ref("Example"), "description": "Features shared by every example."},
            "examples": {"type": "array", "minItems": 1, "items": ref("Example")},
        },
        "required": ["examples"],
    }


def _errors():
    error = {"description": "Refused", "content": {"application/json": {"schema": ref("Error")}}}
    return {"400": error, "404": {**error, "description": "No such model or version"},
            "default": {**error, "description": "Any other refusal"}}  # fmt: skip


def _get(operation_id, summary, schema):
    ok = {"description": "OK", "content": {"application/json": {"schema": ref(schema)}}}
    return {"get": {"operationId": operation_id, "summary": summary, "tags": ["TF Serving"],
                    "responses": {"200": ok, **_errors()}}}  # fmt: skip


def _post(operation_id, summary, request, response):
    return {
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["TF Serving"],
            "requestBody": {"required": True, "content": {"application/json": {"schema": request}}},
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": response}}},
                **_errors(),
            },
        }
    }
