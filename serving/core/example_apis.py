"""Classify, Regress and MultiInference: the APIs that run signatures on tf.Examples.

As TF Serving's classifier.cc, regressor.cc and multi_inference.cc: a signature takes one
input, `inputs`, of serialized tf.Examples; a classification signature answers `classes`
(strings [batch, k]) and/or `scores` (floats [batch, k]); a regression signature answers
`outputs` (floats [batch] or [batch, 1]). The signature's method name is checked only with
`--enable_signature_method_name_check` (TF2 exports record every signature as
`tensorflow/serving/predict`); otherwise any signature of the right shape serves.
MultiInference runs several such signatures of one model on the same examples.

Example:
    python -m serving.client predict --grpc 127.0.0.1:8500 --mnist-index 0 --signature classify
"""

import grpc
import numpy as np
from google.protobuf import text_format
from tensorflow_serving.apis import (
    classification_pb2,
    inference_pb2,
    regression_pb2,
)

from common import contract
from serving.errors import ServingError, invalid_argument

CLASSIFY, REGRESS = "classification", "regression"
_METHODS = {CLASSIFY: contract.CLASSIFY_METHOD, REGRESS: contract.REGRESS_METHOD}
_INPUTS, _CLASSES, _SCORES, _OUTPUTS = "inputs", "classes", "scores", "outputs"


def example_request(servable, kind, signature_name, examples, check_method_name=False):
    """Finds and checks the signature of a Classify or Regress request; builds its input.

    Args:
        servable: a Servable.
        kind: CLASSIFY or REGRESS.
        signature_name: the requested signature; empty means serving_default.
        examples: list of bytes, one serialized tf.Example each.
        check_method_name: whether the signature's method name must be the API's.

    Returns:
        `(signature, arrays)`: the Signature and its one input as an object array of bytes.

    Raises:
        ServingError: INVALID_ARGUMENT with TF Serving's words for a missing signature or
            one of the wrong form.
    """
    name = signature_name or contract.SERVING_DEFAULT
    signature = servable.signatures.get(name)
    if signature is None:
        raise invalid_argument(f"No signature was found with the name: {name}")
    if check_method_name and signature.method_name != _METHODS[kind]:
        raise invalid_argument(
            f"Expected {kind} signature method_name to be {_METHODS[kind]}. "
            f"Was: {signature.method_name}"
        )
    _check_form(servable, kind, signature)
    batch = np.empty(len(examples), dtype=object)
    batch[:] = examples
    return signature, {_INPUTS: batch}


def output_keys(kind, signature):
    """The outputs a Classify or Regress run fetches from a checked signature."""
    if kind == REGRESS:
        return (_OUTPUTS,)
    return tuple(key for key in (_CLASSES, _SCORES) if key in signature.outputs)


def classification_result(outputs, count):
    """Builds TF Serving's ClassificationResult from a classification signature's outputs.

    Args:
        outputs: dict with "classes" (bytes [batch, k]) and/or "scores" (float [batch, k]).
        count: the number of examples.

    Returns:
        A tensorflow.serving.ClassificationResult.

    Raises:
        ServingError: INVALID_ARGUMENT for outputs of the wrong shape or type.
    """
    classes, scores = outputs.get(_CLASSES), outputs.get(_SCORES)
    for key, array, kind in ((_CLASSES, classes, "O"), (_SCORES, scores, "f")):
        if array is None:
            continue
        if array.ndim != 2:
            raise invalid_argument(
                f"Expected Tensor shape: [batch_size num_classes] but got {_shape(array)}"
            )
        if array.dtype.kind != kind:
            wanted = "DT_STRING" if kind == "O" else "DT_FLOAT"
            raise invalid_argument(f"Expected {key} Tensor of {wanted}. Got: {array.dtype}")
        if array.shape[0] != count:
            raise invalid_argument(
                f"Expected {key} output batch size of {count}. Got: {array.shape[0]}"
            )
    if classes is not None and scores is not None and classes.shape[1] != scores.shape[1]:
        raise invalid_argument(
            "Tensors class and score should match in dim_size(1). Got "
            f"{classes.shape[1]} vs. {scores.shape[1]}"
        )
    result = classification_pb2.ClassificationResult()
    for row in range(count):
        classifications = result.classifications.add()
        for column in range((classes if classes is not None else scores).shape[1]):
            item = classifications.classes.add()
            if classes is not None:
                item.label = classes[row, column].decode("utf-8", "replace")
            if scores is not None:
                item.score = float(scores[row, column])
    return result


def regression_result(outputs, count):
    """Builds TF Serving's RegressionResult from a regression signature's outputs.

    Args:
        outputs: dict with "outputs", floats [batch] or [batch, 1].
        count: the number of examples.

    Returns:
        A tensorflow.serving.RegressionResult.

    Raises:
        ServingError: INVALID_ARGUMENT for an output of the wrong shape or type.
    """
    values = outputs[_OUTPUTS]
    if not (values.ndim == 1 or (values.ndim == 2 and values.shape[1] == 1)):
        raise invalid_argument(
            "Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but "
            f"got {_shape(values)}"
        )
    if values.shape[0] != count:
        raise invalid_argument(
            f"Input batch size did not match output batch size: {count} vs. {values.shape[0]}"
        )
    if values.dtype.kind != "f":
        raise invalid_argument(f"Expected output Tensor of DT_FLOAT.  Got: {values.dtype}")
    result = regression_pb2.RegressionResult()
    for value in values.reshape(-1):
        result.regressions.add(value=float(value))
    return result


async def run(servable, kind, signature_name, examples, executor=None, check=False):
    """Runs one Classify or Regress request.

    Args:
        servable: a Servable.
        kind: CLASSIFY or REGRESS.
        signature_name: the requested signature; empty means serving_default.
        examples: list of bytes, one serialized tf.Example each.
        executor: the thread pool that runs the signature when batching is off.
        check: `--enable_signature_method_name_check`.

    Returns:
        `(signature, result)`: a ClassificationResult or RegressionResult.

    Raises:
        ServingError: for a bad signature, examples the model cannot parse, or a failed run.
    """
    signature, arrays = example_request(servable, kind, signature_name, examples, check)
    outputs = await servable.run(signature, arrays, executor, output_keys(kind, signature))
    build = classification_result if kind == CLASSIFY else regression_result
    return signature, build(outputs, len(examples))


async def multi_inference(servable, tasks, examples, executor=None, check=False):
    """Runs every task of a MultiInferenceRequest on the same examples.

    Args:
        servable: the Servable all tasks name.
        tasks: InferenceTask messages (model_spec and method_name).
        examples: list of bytes, one serialized tf.Example each.
        executor: the thread pool that runs the signatures when batching is off.
        check: `--enable_signature_method_name_check`.

    Returns:
        A MultiInferenceResponse.

    Raises:
        ServingError: for tasks TF Serving refuses (several models, a repeated signature,
            an unsupported method) or a failed run.
    """
    kinds = {contract.CLASSIFY_METHOD: CLASSIFY, contract.REGRESS_METHOD: REGRESS}
    seen = set()
    for task in tasks:
        name = task.model_spec.signature_name or contract.SERVING_DEFAULT
        if name in seen:
            raise invalid_argument(f"Duplicate evaluation of signature: {name}")
        seen.add(name)
        if task.method_name not in kinds:
            raise ServingError(
                grpc.StatusCode.UNIMPLEMENTED,
                f"Unsupported signature method_name: {task.method_name}",
            )
    response = inference_pb2.MultiInferenceResponse()
    for task in tasks:
        kind = kinds[task.method_name]
        signature, result = await run(
            servable, kind, task.model_spec.signature_name, examples, executor, check
        )
        entry = response.results.add()
        entry.model_spec.name = servable.name
        entry.model_spec.version.value = servable.version
        entry.model_spec.signature_name = signature.name
        getattr(entry, f"{kind}_result").CopyFrom(result)
    return response


def _check_form(servable, kind, signature):
    # PreProcessClassification / PreProcessRegression: one input named "inputs" and the
    # outputs the API reads; messages quote the SignatureDef as TF Serving's DebugString.
    def shown():
        return text_format.MessageToString(servable.signature_defs[signature.name])

    if len(signature.inputs) != 1:
        raise invalid_argument("Expected one input Tensor.")
    outputs = set(signature.outputs)
    if kind == CLASSIFY and len(outputs) not in (1, 2):
        raise invalid_argument(f"Expected one or two output Tensors, found {len(outputs)}")
    if kind == REGRESS and len(outputs) != 1:
        raise invalid_argument("Expected one output Tensor.")
    if _INPUTS not in signature.inputs:
        raise invalid_argument(f"No {kind} inputs found in SignatureDef: {shown()}")
    if kind == REGRESS and _OUTPUTS not in outputs:
        raise invalid_argument(f"No regression outputs found in SignatureDef: {shown()}")
    if kind == CLASSIFY and not outputs & {_CLASSES, _SCORES}:
        raise invalid_argument(
            'Expected classification signature outputs to contain at least one of "classes" '
            f'or "scores". Signature was: {shown()}'
        )


def _shape(array):
    # TensorShape::DebugString: "[2,3]".
    return "[" + ",".join(str(size) for size in array.shape) + "]"
