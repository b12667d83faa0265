"""The metric families the server exposes: names, help texts, labels and buckets.

TF Serving's names where it has them (its `/tensorflow/serving/...` names, written with
colons as its Prometheus exporter writes them), with its help texts and buckets;
`signature_request_*` are this server's own. `server.metrics.Metrics` records into them.

Example:
    python -c "from serving.server import metric_families as m; print([f.name for f in m.FAMILIES])"
"""

import dataclasses

_PREFIX = ":tensorflow:serving:"
REQUEST_COUNT = _PREFIX + "request_count"
REQUEST_LATENCY = _PREFIX + "request_latency"
SIGNATURE_REQUEST_COUNT = _PREFIX + "signature_request_count"
SIGNATURE_REQUEST_LATENCY = _PREFIX + "signature_request_latency"
REQUEST_LOG_COUNT = _PREFIX + "request_log_count"
QUEUING_LATENCY = _PREFIX + "batching_session:queuing_latency"
INPUT_BATCH_SIZE = _PREFIX + "batching_session:input_batch_size"
PROCESSED_BATCH_SIZE = _PREFIX + "batching_session:processed_batch_size"
PADDING_SIZE = _PREFIX + "batching_session:padding_size"
WRAPPED_RUN_COUNT = _PREFIX + "batching_session:wrapped_run_count"
# TF Serving's samplers: request_latency Buckets::Exponential(10, 1.8, 33) in microseconds,
# queuing_latency (100, 1.2, 52) in microseconds, batch sizes (1, 2, 14).
LATENCY_BUCKETS = tuple(10 * 1.8**index for index in range(33))
QUEUING_BUCKETS = tuple(100 * 1.2**index for index in range(52))
SIZE_BUCKETS = tuple(float(2**index) for index in range(14))
# The model_name label of requests for a model the server does not serve.
UNKNOWN_MODEL = "<unknown>"
SIGNATURE_LABELS = ("model_name", "version", "signature_name", "API", "entrypoint")


@dataclasses.dataclass(frozen=True)
class Family:
    """A metric's name, help text, label names, and histogram buckets (None: a counter)."""

    name: str
    help: str
    labels: tuple
    buckets: tuple | None = None  # None: a counter


FAMILIES = (
    Family(REQUEST_COUNT, "The total number of requests.", ("model_name", "status")),
    Family(
        REQUEST_LATENCY,
        "Distribution of wall time (in microseconds) for Tensorflow Serving request.",
        ("model_name", "API", "entrypoint"),
        LATENCY_BUCKETS,
    ),
    Family(
        SIGNATURE_REQUEST_COUNT,
        "The total number of requests that reached a signature of a served version.",
        (*SIGNATURE_LABELS, "status"),
    ),
    Family(
        SIGNATURE_REQUEST_LATENCY,
        "Distribution of wall time (in microseconds) of requests per version and signature.",
        SIGNATURE_LABELS,
        LATENCY_BUCKETS,
    ),
    Family(
        REQUEST_LOG_COUNT,
        "The total number of requests logged from the model server sliced down by "
        "model_name and status code.",
        ("model_name", "status_code"),
    ),
    Family(
        QUEUING_LATENCY,
        "Distribution of wall time spent (in microseconds) in queuing",
        ("thread_pool_name",),
        QUEUING_BUCKETS,
    ),
    Family(INPUT_BATCH_SIZE, "Tracks the batch size distribution on the inputs.", (), SIZE_BUCKETS),
    Family(
        PROCESSED_BATCH_SIZE, "Tracks the batch size distribution on processing.", (), SIZE_BUCKETS
    ),
    Family(
        PADDING_SIZE,
        "Tracks the padding size distribution on batches.",
        ("execution_batch_size",),
        SIZE_BUCKETS,
    ),
    Family(WRAPPED_RUN_COUNT, "Total count of run calls on the wrapped session", ()),
)
BY_NAME = {family.name: family for family in FAMILIES}
ALWAYS_SHOWN = (REQUEST_COUNT, REQUEST_LATENCY)
