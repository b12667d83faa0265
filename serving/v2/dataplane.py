"""The Open Inference Protocol's data plane over the core: no HTTP, no gRPC here.

`DataPlane` answers the protocol's calls from the models a `core.ModelManager` serves:
health, server and model metadata, and inference. A version is resolved by the same
policy and labels as TF Serving's API: no version is the highest available one, a number
is that version, anything else is a version label (`--model_config_file`'s
version_labels). An inference runs the signature a request's `signature_name` parameter
names, `serving_default` without one; its inputs are checked against the signature (names,
datatypes) and go through `core.inputs.prepare_inputs` as every Predict does; shapes are
left to the graph, as in TF Serving. Model metadata describes `serving_default`. The REST
(`v2.rest`) and gRPC (`v2.grpc_service`) adapters only translate to and from this.

Example:
    curl -d '{"inputs": [{"name": "images", "datatype": "FP32", "shape": [1, 28, 28], \
"data": [0.0, ...]}]}' http://127.0.0.1:8501/v2/models/mnist/infer
"""

import dataclasses
import importlib.metadata

from common import contract
from serving.core import ServableRequest
from serving.core.inputs import prepare_inputs
from serving.errors import ServingError, invalid_argument, not_found
from serving.v2.datatypes import datatype_of

SERVER_NAME = "mnist-serving"
PLATFORM = "tensorflow_savedmodel"
# Triton's name for the binary tensor data extension, which both transports offer here.
EXTENSIONS = ("binary_tensor_data",)
# The request parameter that picks the signature an inference runs.
SIGNATURE_PARAMETER = "signature_name"
_MAX_VERSION = 2**63 - 1


@dataclasses.dataclass(frozen=True)
class InferRequest:
    """An inference request, its tensors decoded to numpy arrays by the transport."""

    model_name: str
    model_version: str  # "" for the version policy's choice
    inputs: dict  # input name -> (datatype, numpy array)
    outputs: tuple = ()  # requested output names; empty: every output
    parameters: dict = dataclasses.field(default_factory=dict)
    id: str = ""


@dataclasses.dataclass(frozen=True)
class InferResponse:
    """An inference's answer: outputs in the requested order (sorted when none were)."""

    model_name: str
    model_version: str
    outputs: dict  # output name -> (datatype, numpy array)
    id: str = ""
    signature: str = ""  # the signature that ran


class DataPlane:
    """Protocol calls over a ModelManager.

    Args:
        manager: the ModelManager.
        executor: the thread pool that runs signatures when batching is off, or
            `core.inline.INLINE` to run them in the calling thread (the gRPC service).
        version: the server version ServerMetadata reports (None: this package's version).
    """

    def __init__(self, manager, executor, version=None):
        self._manager = manager
        self._executor = executor
        self._version = version or _package_version()

    def live(self):
        """Whether the server answers: always, once it is up."""
        return True

    def ready(self):
        """Whether the server is ready: it binds its ports only once every configured
        model's initial versions are available, so a server that answers is ready."""
        return True

    def server_metadata(self):
        """The server's name, version and extensions.

        Returns:
            dict with "name", "version" and "extensions" (a list).
        """
        return {"name": SERVER_NAME, "version": self._version, "extensions": list(EXTENSIONS)}

    def resolve(self, name, version=""):
        """The servable a model name and protocol version string name.

        Args:
            name: the model name.
            version: "" (the highest available version), a number, or a version label.

        Returns:
            The Servable.

        Raises:
            ServingError: NOT_FOUND for an unknown model, version or label;
                INVALID_ARGUMENT for a number beyond int64.
        """
        version = str(version)
        if version.isdigit():
            if int(version) > _MAX_VERSION:
                raise invalid_argument(f"Failed to convert version: {version[:32]} to numeric.")
            request = ServableRequest(name, int(version))
        else:
            request = ServableRequest(name, label=version or None)
        try:
            return self._manager.resolve(request)
        except ServingError as error:
            # An unknown label is a version that does not exist: 404 in this protocol.
            raise not_found(error.message) from None

    def model_ready(self, name, version=""):
        """Whether a model (or one version of it) is available for inference.

        Args:
            name: the model name.
            version: as `resolve`.

        Returns:
            True.

        Raises:
            ServingError: NOT_FOUND when it is not.
        """
        self.resolve(name, version)
        return True

    def model_metadata(self, name, version=""):
        """A model's available versions, platform and serving_default's tensors.

        Args:
            name: the model name.
            version: as `resolve`.

        Returns:
            dict with "name", "versions" (str, ascending), "platform", "inputs" and
            "outputs" (each a list of {"name", "datatype", "shape"}, -1 for a dimension of
            unknown size, [-1] for a tensor of unknown rank), sorted by name.

        Raises:
            ServingError: NOT_FOUND for an unknown model or version.
        """
        servable = self.resolve(name, version)
        statuses = self._manager.statuses(ServableRequest(name))
        versions = [str(s.version) for s in statuses if s.state == "AVAILABLE"]
        signature = servable.signatures.get(contract.SERVING_DEFAULT)
        inputs = signature.inputs if signature is not None else {}
        outputs = signature.outputs if signature is not None else {}
        return {
            "name": servable.name,
            "versions": versions,
            "platform": PLATFORM,
            "inputs": _tensor_metadata(inputs),
            "outputs": _tensor_metadata(outputs),
        }

    async def infer(self, request):
        """Runs an inference request.

        Args:
            request: an InferRequest.

        Returns:
            An InferResponse.

        Raises:
            ServingError: NOT_FOUND for an unknown model or version; INVALID_ARGUMENT for an
                unknown signature, input or output, a wrong datatype, or what the graph
                refuses (the shape, for the contract's signatures).
        """
        servable = self.resolve(request.model_name, request.model_version)
        signature = _signature(servable, request.parameters.get(SIGNATURE_PARAMETER))
        for name, (datatype, _) in request.inputs.items():
            spec = signature.inputs.get(name)
            if spec is None:
                raise invalid_argument(
                    f"unexpected input '{name}' for signature {signature.name}; it takes "
                    f"{', '.join(sorted(signature.inputs))}"
                )
            if datatype != datatype_of(spec.dtype):
                raise invalid_argument(
                    f"input '{name}' of signature {signature.name} is "
                    f"{datatype_of(spec.dtype)}, got {datatype}"
                )
        arrays = prepare_inputs(signature, {k: array for k, (_, array) in request.inputs.items()})
        wanted = tuple(request.outputs)
        for name in wanted:
            if name not in signature.outputs:
                raise invalid_argument(
                    f"unknown output '{name}' of signature {signature.name}; it gives "
                    f"{', '.join(sorted(signature.outputs))}"
                )
        if len(set(wanted)) != len(wanted):
            raise invalid_argument(f"an output is requested twice: {list(wanted)}")
        outputs = await servable.run(signature, arrays, self._executor, wanted or None)
        return InferResponse(
            model_name=servable.name,
            model_version=str(servable.version),
            outputs={k: (datatype_of(outputs[k].dtype), outputs[k]) for k in wanted or outputs},
            id=request.id,
            signature=signature.name,
        )


def _signature(servable, name):
    if name is None:
        name = contract.SERVING_DEFAULT
    if not isinstance(name, str):
        raise invalid_argument(f"parameter {SIGNATURE_PARAMETER} must be a string")
    signature = servable.signatures.get(name)
    # A SignatureDef entry that names an op (TF2's __saved_model_init_op) is not runnable.
    if signature is None or None in signature.inputs.values() or not signature.outputs:
        runnable = sorted(
            key
            for key, s in servable.signatures.items()
            if None not in s.inputs.values() and None not in s.outputs.values() and s.outputs
        )
        raise invalid_argument(
            f"signature {name[:64]!r} not found; the model has {', '.join(runnable)}"
        )
    return signature


def _tensor_metadata(specs):
    entries = []
    for name in sorted(specs):
        spec = specs[name]
        if spec is None:
            continue
        shape = [-1] if spec.shape.rank is None else [-1 if d is None else d for d in spec.shape]
        entries.append({"name": name, "datatype": datatype_of(spec.dtype), "shape": shape})
    return entries


def _package_version():
    try:
        return importlib.metadata.version(SERVER_NAME)
    except importlib.metadata.PackageNotFoundError:  # run from a tree that is not installed
        return "unknown"
