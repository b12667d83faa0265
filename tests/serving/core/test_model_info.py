"""Status and metadata responses, and their JSON exactly as TF Serving's REST API prints it.

Example:
    .venv/bin/pytest tests/serving/core/test_model_info.py
"""

import pytest
from tensorflow_serving.apis import get_model_metadata_pb2

from serving.core import Servable, ServableRequest, VersionStatus, model_info
from serving.errors import ServingError


class FakeManager:
    def statuses(self, request):
        return [
            VersionStatus(1, "END", "UNKNOWN", "load failed"),
            VersionStatus(123, "AVAILABLE"),
        ]


def test_status_json_matches_tf_servings_rest_answer():
    response = model_info.status_response(FakeManager(), ServableRequest("m"))
    assert model_info.to_json_dict(response) == {
        "model_version_status": [
            {
                "version": "1",
                "state": "END",
                "status": {"error_code": "UNKNOWN", "error_message": "load failed"},
            },
            {
                "version": "123",
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
            },
        ]
    }


def test_metadata_packs_the_signature_defs_and_prints_them_unpacked(exported_model):
    servable = Servable("mnist", 1, exported_model / "1")
    response = model_info.metadata_response(servable)
    signature_map = get_model_metadata_pb2.SignatureDefMap()
    response.metadata["signature_def"].Unpack(signature_map)
    assert dict(signature_map.signature_def) == dict(servable.signature_defs)
    printed = model_info.to_json_dict(response)
    assert printed["model_spec"] == {"name": "mnist", "signature_name": "", "version": "1"}
    assert set(printed["metadata"]["signature_def"]["signature_def"]) == set(
        servable.signature_defs
    )
    with pytest.raises(ServingError, match="Metadata field other is not supported"):
        model_info.metadata_response(servable, ["other"])
    with pytest.raises(ServingError, match="must specify at least one metadata_field"):
        model_info.metadata_response(servable, [])
