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

# Signature names. `serving_default` and `predict_images` have one output each, as a Keras
# model's default signature and TF Serving's mnist_saved_model.py have, so stock clients read
# `predictions[i]` as the class probabilities; the others answer all three outputs.
SERVING_DEFAULT = "serving_default"
PREDICT_IMAGES = "predict_images"
PREDICT_DETAILED = "predict_detailed"
PREDICT_PIXELS = "predict_pixels"
PREDICT_IMAGE_BYTES = "predict_image_bytes"
CLASSIFY = "classify"
SIGNATURES = (
    SERVING_DEFAULT,
    PREDICT_IMAGES,
    PREDICT_DETAILED,
    PREDICT_PIXELS,
    PREDICT_IMAGE_BYTES,
    CLASSIFY,
)

# Input keys. The `_bytes` suffix is what makes TF Serving's REST API accept {"b64": ...}.
IMAGES = "images"
IMAGE_BYTES = "image_bytes"
CLASSIFY_INPUTS = "inputs"
# The float feature of a classify request's tf.Example: 784 pixels in [0, 1].
EXAMPLE_FEATURE = "image"

# Output keys of the predict signatures.
PROBABILITIES = "probabilities"
CLASSES = "classes"
SCORES = "scores"
PREDICT_OUTPUTS = (PROBABILITIES, CLASSES, SCORES)
# The one output of each single-output signature: the calibrated class probabilities.
SINGLE_OUTPUT = {SERVING_DEFAULT: PROBABILITIES, PREDICT_IMAGES: SCORES}
# Output keys of the classify signature: labels "0".."9" and their probabilities.
CLASSIFY_OUTPUTS = (CLASSES, SCORES)
# Every signature's output keys.
OUTPUTS = {
    name: (SINGLE_OUTPUT[name],)
    if name in SINGLE_OUTPUT
    else CLASSIFY_OUTPUTS
    if name == CLASSIFY
    else PREDICT_OUTPUTS
    for name in SIGNATURES
}

# SignatureDef method names, as TF Serving checks them.
PREDICT_METHOD = "tensorflow/serving/predict"
CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"

# Self-description and warmup files, inside each version's assets.extra/.
ASSETS_EXTRA = "assets.extra"
EXPORT_INFO_FILE = "export_info.json"
WARMUP_FILE = "tf_serving_warmup_requests"
