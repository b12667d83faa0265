"""Predict on one servable: the steps REST, gRPC and warmup all take.

`predict` finds the signature (TF Serving's FAILED_PRECONDITION if it is missing), checks
the output filter, validates the inputs through `core.inputs.prepare_inputs` and runs the
signature, fetching only the outputs asked for. It is a coroutine: the gRPC servicers and
warmup await it; the REST handler, which parses large bodies off the loop, calls its first
and last steps (`predict_request` ... `predict_outputs`) around `Servable.run`. The APIs
that take tf.Examples (Classify, Regress, MultiInference) are in `core.example_apis`.

Example:
    python -c "import asyncio; from serving.core import Servable, inference; \
s = Servable('mnist', 1, 'serving/models/mnist/1'); \
print(asyncio.run(inference.predict(s, 'predict_pixels', {'images': [[[0] * 28] * 28]}))[1])"
"""

import grpc

from common import contract
from serving.core.inputs import prepare_inputs
from serving.errors import ServingError, invalid_argument

# The methods a Predict may run when --enable_signature_method_name_check is on.
_PREDICTABLE = (contract.PREDICT_METHOD, contract.CLASSIFY_METHOD, contract.REGRESS_METHOD)


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


async def predict(servable, signature_name, inputs, output_filter=(), executor=None, check=False):
    """Runs a Predict request's inputs through a signature.

    Args:
        servable: a Servable.
        signature_name: the signature; empty means serving_default.
        inputs: dict key -> TensorProto or JSON value (see `core.inputs.prepare_inputs`).
        output_filter: output keys to return; empty returns them all.
        executor: the thread pool that runs the signature when batching is off (see
            `Servable.run`).
        check: `--enable_signature_method_name_check`.

    Returns:
        `(signature, outputs)`: the Signature and dict output key -> numpy array.

    Raises:
        ServingError: for an unknown signature, bad inputs or a failed run.
    """
    signature, arrays, wanted = predict_request(
        servable, signature_name, inputs, output_filter, check
    )
    outputs = await servable.run(signature, arrays, executor, wanted or None)
    return signature, predict_outputs(outputs, wanted)


def predict_request(servable, signature_name, inputs, output_filter=(), check=False):
    """The first step of `predict`: finds the signature and validates the request.

    Args:
        servable: as `predict`.
        signature_name: as `predict`.
        inputs: as `predict`.
        output_filter: as `predict`.
        check: as `predict`.

    Returns:
        `(signature, arrays, wanted)`: the Signature, its input arrays (see
        `core.inputs.prepare_inputs`) and the output keys to return (empty: all).

    Raises:
        ServingError: for an unknown signature, bad inputs or a bad output filter.
    """
    signature = find_signature(servable, signature_name)
    if check and signature.method_name not in _PREDICTABLE:
        raise ServingError(
            grpc.StatusCode.INTERNAL,
            "Expected prediction signature method_name to be one of {"
            f"{', '.join(_PREDICTABLE)}}}. Was: {signature.method_name}",
        )
    wanted = tuple(output_filter)
    for key in wanted:
        if key not in signature.outputs:
            raise invalid_argument(
                f"output tensor alias not found in signature: {key} Outputs expected to be "
                f"in the set {{{','.join(sorted(signature.outputs))}}}."
            )
    if len(set(wanted)) != len(wanted):
        raise invalid_argument(f"duplicate output tensor alias in output_filter: {list(wanted)}")
    return signature, prepare_inputs(signature, inputs), wanted


def predict_outputs(outputs, wanted):
    """The last step of `predict`: the requested outputs, in their order or sorted.

    Args:
        outputs: dict output key -> numpy array, as the signature returned them.
        wanted: the output keys to return; empty returns them all.

    Returns:
        dict output key -> numpy array.
    """
    return {key: outputs[key] for key in wanted or sorted(outputs)}
