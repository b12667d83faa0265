"""TF Serving warmup requests: one per signature, stored with each version.

TF Serving replays `assets.extra/tf_serving_warmup_requests` when it loads a version, so the
first real request does not pay for lazy initialisation. The file is a TFRecord of
`PredictionLog` protos (at most 1000): a `predict_log` for each predict signature and a
`classify_log` for `classify`. The sample is a synthetic stroke, so exporting needs no data
file; the image-bytes request carries a 28x28 PNG and a larger dark-on-light JPEG so both
decoders and both branches of the fitting rule are warmed.

Example:
    python -c "from export.warmup import warmup_logs; print(warmup_logs()[-1])"
"""

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import (
    classification_pb2,
    input_pb2,
    model_pb2,
    predict_pb2,
    prediction_log_pb2,
)

from common import contract
from model.data import scale_pixels


def sample_pixels():
    """A synthetic digit-like stroke in MNIST's layout.

    Returns:
        uint8 [28, 28], a light vertical bar on black.
    """
    pixels = np.zeros([contract.IMAGE_SIZE, contract.IMAGE_SIZE], np.uint8)
    pixels[4:24, 13:16] = 255
    return pixels


def _sample_files(pixels):
    # pixels: uint8 [28, 28] -> [28x28 PNG, 84x84 dark-on-light JPEG] as bytes.
    image = tf.constant(pixels)[..., tf.newaxis]
    large = tf.image.resize(255 - image, [3 * contract.IMAGE_SIZE] * 2, method="nearest")
    return [tf.io.encode_png(image).numpy(), tf.io.encode_jpeg(large).numpy()]


def _predict_log(signature_name, key, value):
    request = predict_pb2.PredictRequest(
        model_spec=model_pb2.ModelSpec(name=contract.MODEL_NAME, signature_name=signature_name)
    )
    request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
    return prediction_log_pb2.PredictionLog(
        predict_log=prediction_log_pb2.PredictLog(request=request)
    )


def _classify_log(pixels):
    flat = scale_pixels(pixels[np.newaxis]).numpy()[0]  # float32 [784] in [0, 1]
    feature = tf.train.Feature(float_list=tf.train.FloatList(value=flat))
    example = tf.train.Example(
        features=tf.train.Features(feature={contract.EXAMPLE_FEATURE: feature})
    )
    request = classification_pb2.ClassificationRequest(
        model_spec=model_pb2.ModelSpec(name=contract.MODEL_NAME, signature_name=contract.CLASSIFY),
        input=input_pb2.Input(example_list=input_pb2.ExampleList(examples=[example])),
    )
    return prediction_log_pb2.PredictionLog(
        classify_log=prediction_log_pb2.ClassifyLog(request=request)
    )


def warmup_logs(signatures=contract.SIGNATURES):
    """Builds one warmup request per contract signature.

    Args:
        signatures: the signatures to warm, a subset of `contract.SIGNATURES`.

    Returns:
        list of `PredictionLog`, in the order of `signatures`.
    """
    pixels = sample_pixels()[np.newaxis]
    flat = scale_pixels(pixels).numpy()  # float32 [1, 784] in [0, 1]
    images = flat.reshape(pixels.shape)
    logs = {
        contract.SERVING_DEFAULT: _predict_log(contract.SERVING_DEFAULT, contract.IMAGES, images),
        contract.PREDICT_IMAGES: _predict_log(contract.PREDICT_IMAGES, contract.IMAGES, flat),
        contract.PREDICT_DETAILED: _predict_log(contract.PREDICT_DETAILED, contract.IMAGES, images),
        contract.PREDICT_PIXELS: _predict_log(contract.PREDICT_PIXELS, contract.IMAGES, pixels),
        contract.PREDICT_IMAGE_BYTES: _predict_log(
            contract.PREDICT_IMAGE_BYTES, contract.IMAGE_BYTES, _sample_files(pixels[0])
        ),
        contract.CLASSIFY: _classify_log(pixels[0]),
    }
    return [logs[name] for name in signatures]


def write_warmup(path, signatures=contract.SIGNATURES):
    """Writes the warmup requests as a TFRecord file.

    Args:
        path: file to create, normally `<version>/assets.extra/tf_serving_warmup_requests`.
        signatures: the signatures to warm (see `warmup_logs`).
    """
    with tf.io.TFRecordWriter(str(path)) as writer:
        for log in warmup_logs(signatures):
            writer.write(log.SerializeToString())
