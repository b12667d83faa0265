"""The serving contract: model name, signatures, and their input and output keys.

Written once here; the exporter, the local server, the clients, the compose
files' tests and the test suite import it instead of repeating strings.

Example:
    python -c "from common import contract; print(contract.MODEL_NAME)"
"""

MODEL_NAME = "mnist"
DEFAULT_BASE_PATH = "serving/models/mnist"
GRPC_PORT = 8500
REST_PORT = 8501

IMAGE_SIZE = 28
NUM_PIXELS = IMAGE_SIZE * IMAGE_SIZE
NUM_CLASSES = 10
CLASS_LABELS = tuple(str(i) for i in range(NUM_CLASSES))

# Signature names.
SERVING_DEFAULT = "serving_default"
PREDICT_PIXELS = "predict_pixels"
PREDICT_IMAGE_BYTES = "predict_image_bytes"
CLASSIFY = "classify"
SIGNATURES = (SERVING_DEFAULT, PREDICT_PIXELS, PREDICT_IMAGE_BYTES, CLASSIFY)

# Input keys. The `_bytes` suffix is what makes TF Serving's REST API accept {"b64": ...}.
IMAGES = "images"
IMAGE_BYTES = "image_bytes"
CLASSIFY_INPUTS = "inputs"
# The float feature of a classify request's tf.Example: 784 pixels in [0, 1].
EXAMPLE_FEATURE = "image"

# Output keys of the three predict signatures.
PROBABILITIES = "probabilities"
CLASSES = "classes"
SCORES = "scores"
PREDICT_OUTPUTS = (PROBABILITIES, CLASSES, SCORES)
# Output keys of the classify signature: labels "0".."9" and their probabilities.
CLASSIFY_OUTPUTS = (CLASSES, SCORES)

# SignatureDef method names, as TF Serving checks them.
PREDICT_METHOD = "tensorflow/serving/predict"
CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"

# Self-description and warmup files, inside each version's assets.extra/.
ASSETS_EXTRA = "assets.extra"
EXPORT_INFO_FILE = "export_info.json"
WARMUP_FILE = "tf_serving_warmup_requests"
