"""Wire formats, one module each: TensorProto, TF Serving's REST JSON, tf.Example.

- `tensor_proto`: TensorProto <-> numpy, for the server and the gRPC client.
- `json_value`: one REST input value (nested lists, text, `{"b64": ...}`) -> numpy.
- `json_names`: how the JSON messages name values and dtypes; `{"b64": ...}` objects.
- `json_document`: a REST body's JSON text -> a document (rapidjson's verdicts and wording).
- `json_numeric`: the common numeric predict body, read by simdjson straight into numpy.
- `json_request`: REST request documents (`instances`/`inputs`, `examples`) -> inputs.
- `json_response`: outputs -> REST response bodies (`predictions`/`outputs`, `results`).
- `tf_example`: classify inputs (REST JSON or a gRPC `Input`) -> serialized tf.Examples.
Every refusal is a `ServingError` with TF Serving's code and wording.

Example:
    python -c "from serving.codecs import from_array; import numpy as np; \
print(from_array(np.array([1.5], np.float32)))"
"""

from serving.codecs.json_document import parse_body
from serving.codecs.json_request import classify_examples, predict_inputs
from serving.codecs.json_response import classify_response, predict_response, regress_response
from serving.codecs.json_value import from_json
from serving.codecs.tensor_proto import TensorProtoError, from_array, to_array
from serving.codecs.tf_example import example_from_json, serialize_examples, serialize_input

__all__ = [
    "TensorProtoError",
    "classify_examples",
    "classify_response",
    "example_from_json",
    "from_array",
    "from_json",
    "parse_body",
    "predict_inputs",
    "predict_response",
    "regress_response",
    "serialize_examples",
    "serialize_input",
    "to_array",
]
