"""What the server reports about models: GetModelStatus and GetModelMetadata responses.

Both APIs build these protos; REST prints them as JSON the way TF Serving does
(snake_case field names, default values included), so both show the same facts.

Example:
    curl http://127.0.0.1:8501/v1/models/mnist/metadata
"""

from google.protobuf import json_format
from tensorflow_serving.apis import get_model_metadata_pb2, get_model_status_pb2

from serving.errors import invalid_argument

SIGNATURE_DEF_FIELD = "signature_def"


def status_response(manager, request):
    """The GetModelStatusResponse for a model, or for one of its versions.

    Args:
        manager: the ModelManager.
        request: a ServableRequest.

    Returns:
        A GetModelStatusResponse listing each version's state and health.

    Raises:
        ServingError: NOT_FOUND for an unknown model or version.
    """
    response = get_model_status_pb2.GetModelStatusResponse()
    for status in manager.statuses(request):
        entry = response.model_version_status.add(
            version=status.version,
            state=get_model_status_pb2.ModelVersionStatus.State.Value(status.state),
        )
        entry.status.error_code = status.error_code
        entry.status.error_message = status.error_message
    return response


def metadata_response(servable, metadata_fields=(SIGNATURE_DEF_FIELD,)):
    """The GetModelMetadataResponse of a servable: its name, version and SignatureDefs.

    Args:
        servable: a Servable.
        metadata_fields: the requested fields; TF Serving supports only "signature_def".

    Returns:
        A GetModelMetadataResponse whose metadata["signature_def"] packs a SignatureDefMap.

    Raises:
        ServingError: INVALID_ARGUMENT for no field or an unsupported one.
    """
    if not metadata_fields:
        raise invalid_argument("GetModelMetadataRequest must specify at least one metadata_field")
    for field in metadata_fields:
        if field != SIGNATURE_DEF_FIELD:
            raise invalid_argument(f"Metadata field {field} is not supported")
    response = get_model_metadata_pb2.GetModelMetadataResponse()
    response.model_spec.name = servable.name
    response.model_spec.version.value = servable.version
    signature_map = get_model_metadata_pb2.SignatureDefMap()
    for name, signature_def in servable.signature_defs.items():
        signature_map.signature_def[name].CopyFrom(signature_def)
    response.metadata[SIGNATURE_DEF_FIELD].Pack(signature_map)
    return response


def to_json_dict(message):
    """A message as TF Serving's REST API prints it: proto field names, defaults included.

    Args:
        message: a GetModelStatusResponse or GetModelMetadataResponse.

    Returns:
        A JSON-ready dict; a metadata response's Any is unpacked into its SignatureDefMap.
    """
    options = {"preserving_proto_field_name": True, "always_print_fields_with_no_presence": True}
    if isinstance(message, get_model_metadata_pb2.GetModelMetadataResponse):
        signature_map = get_model_metadata_pb2.SignatureDefMap()
        message.metadata[SIGNATURE_DEF_FIELD].Unpack(signature_map)
        return {
            "model_spec": json_format.MessageToDict(message.model_spec, **options),
            "metadata": {SIGNATURE_DEF_FIELD: json_format.MessageToDict(signature_map, **options)},
        }
    return json_format.MessageToDict(message, **options)
