"""GET /openapi.json and /docs on a running server; a real predict matches the document.

Example:
    .venv/bin/pytest tests/serving/openapi/test_routes.py
"""

import jsonschema
from openapi_spec_validator import validate

from common import contract


def test_routes_openapi_json_describes_what_the_server_answers(served_model, model_url, http):
    base = f"http://127.0.0.1:{served_model.rest_port}"
    status, headers, document = http("GET", base + "/openapi.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    validate(document)
    operation = document["paths"]["/v1/models/mnist:predict"]["post"]
    request_schema = operation["requestBody"]["content"]["application/json"]["schema"]
    response_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    components = {"components": document["components"]}
    body = {"instances": [[[0.0] * 28] * 28]}
    jsonschema.validate(body, {**request_schema, **components})
    status, _, answer = http("POST", model_url + ":predict", body)
    assert status == 200
    jsonschema.validate(answer, {**response_schema, **components})
    _, _, metadata = http("GET", model_url + "/metadata")
    metadata_schema = document["paths"]["/v1/models/mnist/metadata"]["get"]["responses"]["200"]
    jsonschema.validate(
        metadata, {**metadata_schema["content"]["application/json"]["schema"], **components}
    )
    assert contract.SERVING_DEFAULT in metadata["metadata"]["signature_def"]["signature_def"]


def test_routes_docs_page_is_self_contained_html(served_model, http):
    status, headers, page = http("GET", f"http://127.0.0.1:{served_model.rest_port}/docs")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert 'fetch("/openapi.json")' in page
    assert "http://" not in page and "https://" not in page  # nothing from a CDN
