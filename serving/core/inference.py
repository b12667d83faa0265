"""Predict and Classify on one servable: the steps REST, gRPC and warmup all take.

`predict` finds the signature, validates the inputs through `core.inputs.prepare_inputs`
and runs it; `classify` checks that the signature is a classification one (method
tensorflow/serving/classify) and runs it on serialized tf.Examples, returning the
classes and scores TF Serving builds a ClassificationResult from. Both are coroutines:
the gRPC servicers await them; the REST handler, which parses large bodies off the loop,
calls their first and last steps (`predict_request` ... `predict_outputs`) around
`Servable.run`.

Example:
    python -c "import asyncio; from serving.core import Servable, inference; \
s = Servable('mnist', 1, 'serving/models/mnist/1'); \
print(asyncio.run(inference.predict(s, 'predict_pixels', {'images': [[[0] * 28] * 28]}))[1])"
"""

import grpc
import numpy as np
from tensorflow_serving.apis import classification_pb2

from serving import contract
from serving.core.inputs import prepare_inputs
from serving.errors import ServingError, invalid_argument


def find_signature(servable, signature_name):
    """The signature a Predict request names, or TF Serving's FAILED_PRECONDITION.

    Args:
        servable: a Servable.
        signature_name: the requested name; empty means serving_default.

    Returns:
        The Signature.

    Raises:
        ServingError: FAILED_PRECONDITION if the servable has no such signature.
    """
    name = signature_name or contract.SERVING_DEFAULT
    if name not in servable.signatures:
        raise ServingError(
            grpc.StatusCode.FAILED_PRECONDITION, f'Serving signature key "{name}" not found.'
        )
    return servable.signatures[name]


async def predict(servable, signature_name, inputs, output_filter=(), executor=None):
    """Runs a Predict request's inputs through a signature.

    Args:
        servable: a Servable.
        signature_name: the signature; empty means serving_default.
        inputs: dict key -> TensorProto or JSON value (see `core.inputs.prepare_inputs`).
        output_filter: output keys to return; empty returns them all.
        executor: the thread pool that runs the signature when batching is off (see
            `Servable.run`).

    Returns:
        `(signature, outputs)`: the Signature and dict output key -> numpy array.

    Raises:
        ServingError: for an unknown signature, bad inputs or a failed run.
    """
    signature, arrays, wanted = predict_request(servable, signature_name, inputs, output_filter)
    return signature, predict_outputs(await servable.run(signature, arrays, executor), wanted)


async def classify(servable, signature_name, serialized_examples, executor=None):
    """Runs serialized tf.Examples through a classification signature.

    Args:
        servable: a Servable.
        signature_name: the signature; empty means serving_default.
        serialized_examples: list of bytes, one serialized tf.Example each.
        executor: the thread pool that runs the signature when batching is off (see
            `Servable.run`).

    Returns:
        `(signature, classes, scores)`: classes a bytes array [batch, k] or None, scores
        a float array [batch, k] or None.

    Raises:
        ServingError: INVALID_ARGUMENT for an unknown or non-classification signature or
            examples the model cannot parse.
    """
    signature, arrays = classify_request(servable, signature_name, serialized_examples)
    outputs = await servable.run(signature, arrays, executor)
    return classify_outputs(signature, outputs, len(serialized_examples))


def classification_result(classes, scores):
    """Builds the ClassificationResult TF Serving answers from classes and scores.

    Args:
        classes: bytes array [batch, k] of labels, or None.
        scores: float array [batch, k], or None.

    Returns:
        A tensorflow.serving.ClassificationResult.
    """
    reference = classes if classes is not None else scores
    result = classification_pb2.ClassificationResult()
    for row in range(reference.shape[0]):
        classifications = result.classifications.add()
        for column in range(reference.shape[1]):
            item = classifications.classes.add()
            if classes is not None:
                item.label = classes[row, column].decode("utf-8", "replace")
            if scores is not None:
                item.score = float(scores[row, column])
    return result


def predict_request(servable, signature_name, inputs, output_filter=()):
    """The first step of `predict`: finds the signature and validates the request.

    Args:
        servable: as `predict`.
        signature_name: as `predict`.
        inputs: as `predict`.
        output_filter: as `predict`.

    Returns:
        `(signature, arrays, wanted)`: the Signature, its input arrays (see
        `core.inputs.prepare_inputs`) and the output keys to return (empty: all).

    Raises:
        ServingError: for an unknown signature, bad inputs or a bad output filter.
    """
    signature = find_signature(servable, signature_name)
    arrays = prepare_inputs(signature, inputs)
    wanted = list(output_filter)
    for key in wanted:
        if key not in signature.outputs:
            raise invalid_argument(
                f"output tensor alias not found in signature: {key} Outputs expected to be "
                f"in the set {{{','.join(sorted(signature.outputs))}}}."
            )
    if len(set(wanted)) != len(wanted):
        raise invalid_argument(f"duplicate output tensor alias in output_filter: {wanted}")
    return signature, arrays, wanted


def predict_outputs(outputs, wanted):
    """The last step of `predict`: the requested outputs, in their order or sorted.

    Args:
        outputs: dict output key -> numpy array, as the signature returned them.
        wanted: the output keys to return; empty returns them all.

    Returns:
        dict output key -> numpy array.
    """
    return {key: outputs[key] for key in wanted or sorted(outputs)}


def classify_request(servable, signature_name, serialized_examples):
    """The first step of `classify`: checks the signature and builds its input.

    Args:
        servable: as `classify`.
        signature_name: as `classify`.
        serialized_examples: as `classify`.

    Returns:
        `(signature, arrays)`: the Signature and its one input, the examples as an
        object array of bytes.

    Raises:
        ServingError: INVALID_ARGUMENT for an unknown or non-classification signature.
    """
    name = signature_name or contract.SERVING_DEFAULT
    signature = servable.signatures.get(name)
    if signature is None:
        raise invalid_argument(f"No signature was found with the name: {name}")
    if signature.method_name != contract.CLASSIFY_METHOD:
        raise invalid_argument(
            f"Expected classification signature method_name to be {contract.CLASSIFY_METHOD}. "
            f"Was: {signature.method_name}"
        )
    if len(signature.inputs) != 1:
        raise invalid_argument("Expected one input Tensor.")
    examples = np.empty(len(serialized_examples), dtype=object)
    examples[:] = serialized_examples
    return signature, {next(iter(signature.inputs)): examples}


def classify_outputs(signature, outputs, count):
    """The last step of `classify`: checks and picks the classes and scores.

    Args:
        signature: the classification Signature that ran.
        outputs: dict output key -> numpy array, as it returned them.
        count: the number of examples.

    Returns:
        As `classify`.

    Raises:
        ServingError: INVALID_ARGUMENT for outputs that are no classification.
    """
    classes, scores = outputs.get(contract.CLASSES), outputs.get(contract.SCORES)
    for output in (classes, scores):
        if output is not None and (output.ndim != 2 or output.shape[0] != count):
            raise invalid_argument(
                f"Expected classify outputs of shape [batch_size, num_classes], "
                f"got {list(output.shape)}"
            )
    if classes is None and scores is None:
        raise invalid_argument(
            f"Expected classes and/or scores outputs from signature {signature.name}"
        )
    return signature, classes, scores
