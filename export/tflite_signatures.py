"""SignatureDefs inside a TF Lite flatbuffer: the `signature_defs_metadata` entry TF Serving reads.

TF Serving's TfLiteSession takes a `.tflite` model's SignatureDefs from the model's metadata
entry named `signature_defs_metadata` (TF Lite's `tools/signature/signature_def_util`): its
buffer holds a FlexBuffer map from signature key to the serialized `tensorflow.SignatureDef`,
each value a FlexBuffer string. `write_signature_defs` sets that entry (replacing one present);
`read_signature_defs` reads it back, as `tflite::GetSignatureDefMap` does. The exporter writes
it, the local server reads it.

Example:
    python -c "from export.tflite_signatures import read_signature_defs; \
print(sorted(read_signature_defs(open('serving/models/mnist/1/model.tflite', 'rb').read())))"
"""

from flatbuffers import flexbuffers
from tensorflow.core.protobuf import meta_graph_pb2
from tensorflow.lite.python import schema_py_generated as schema
from tensorflow.lite.tools import flatbuffer_utils

METADATA_NAME = "signature_defs_metadata"


class _Builder(flexbuffers.Builder):
    # flexbuffers.Builder.String takes str only; a serialized SignatureDef is bytes that need
    # not be UTF-8, so the same STRING encoding (length, bytes, NUL) is written from bytes.
    def string_bytes(self, key, value):
        self.Key(key.encode())
        self._WriteBlob(value, append_zero=True, type_=flexbuffers.Type.STRING)


def _metadata_entry(model):
    for entry in model.metadata or []:
        name = entry.name.decode() if isinstance(entry.name, bytes) else entry.name
        if name == METADATA_NAME:
            return entry
    return None


def write_signature_defs(model_bytes, signature_defs):
    """Returns a TF Lite model carrying `signature_defs` as its signature_defs_metadata.

    Args:
        model_bytes: a serialized TF Lite model (bytes).
        signature_defs: dict signature key -> tensorflow SignatureDef; its tensor names should
            be the model's tensor names (TF Serving also accepts them with a ":0" suffix).

    Returns:
        bytes, the model with the metadata entry set (any earlier one replaced).

    Raises:
        ValueError: if signature_defs is empty.
    """
    if not signature_defs:
        raise ValueError("signature_defs must not be empty")
    builder = _Builder()
    with builder.Map():
        for key in sorted(signature_defs):
            builder.string_bytes(key, signature_defs[key].SerializeToString())
    data = bytes(builder.Finish())
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(model_bytes))
    entry = _metadata_entry(model)
    if entry is None:
        buffer = schema.BufferT()
        model.buffers.append(buffer)
        entry = schema.MetadataT()
        entry.name = METADATA_NAME
        entry.buffer = len(model.buffers) - 1
        model.metadata = [*(model.metadata or []), entry]
    model.buffers[entry.buffer].data = list(data)
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def read_signature_defs(model_bytes):
    """Reads a TF Lite model's signature_defs_metadata, as tflite::GetSignatureDefMap does.

    Args:
        model_bytes: a serialized TF Lite model (bytes).

    Returns:
        dict signature key -> tensorflow SignatureDef; empty if the model has no such entry.

    Raises:
        ValueError: if the entry is there but is no FlexBuffer map of SignatureDefs.
    """
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(model_bytes))
    entry = _metadata_entry(model)
    if entry is None:
        return {}
    if not 0 <= entry.buffer < len(model.buffers):
        raise ValueError(f"{METADATA_NAME}: buffer index {entry.buffer} is out of range")
    data = model.buffers[entry.buffer].data
    try:
        root = flexbuffers.GetRoot(bytearray(data if data is not None else b"")).AsMap
        keys = [key.AsKeyBytes.decode() for key in root.Keys]
        values = [value.AsStringBytes for value in root.Values]
    except (IndexError, TypeError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{METADATA_NAME} is not a FlexBuffer map: {error}") from error
    signature_defs = {}
    for key, value in zip(keys, values, strict=True):
        signature_def = meta_graph_pb2.SignatureDef()
        try:
            signature_def.ParseFromString(value)
        except Exception as error:  # protobuf's DecodeError
            raise ValueError(f"{METADATA_NAME}: cannot parse SignatureDef {key!r}") from error
        signature_defs[key] = signature_def
    return signature_defs
