"""Request metrics in Prometheus text format, under TF Serving's metric names.

Every API call is recorded: `:tensorflow:serving:request_count{model_name, status}`
counts requests by outcome, and `:tensorflow:serving:request_latency{model_name, API,
entrypoint}` is a histogram of wall time in microseconds with TF Serving's buckets
(10 x 1.8^i, i < 33); its `_count` is the number of requests per model and API. The
REST port serves the page when `--monitoring_config_file` enables Prometheus.

Labels hold only values the server chose: a request naming a model that is not configured
is counted under `model_name="<unknown>"`, so a client sending ever new names cannot grow
the metrics (each distinct name would otherwise be kept forever).

Example:
    curl http://127.0.0.1:8501/monitoring/prometheus/metrics
"""

import bisect
import collections
import threading

REQUEST_COUNT = ":tensorflow:serving:request_count"
REQUEST_LATENCY = ":tensorflow:serving:request_latency"
# TF Serving's request_latency sampler: Buckets::Exponential(10, 1.8, 33), in microseconds.
LATENCY_BUCKETS = tuple(10 * 1.8**index for index in range(33))
# The model_name label of requests for a model the server does not serve.
UNKNOWN_MODEL = "<unknown>"


class Metrics:
    """Thread-safe request counters and latency histograms.

    Args:
        model_names: the configured models; any other name is recorded as UNKNOWN_MODEL.
    """

    def __init__(self, model_names=()):
        self._model_names = frozenset(model_names)
        self._lock = threading.Lock()
        self._counts = collections.Counter()  # (model_name, status) -> requests
        # (model_name, API, entrypoint) -> [per-bucket counts (+Inf last), sum of micros]
        self._latency = {}

    def set_models(self, model_names):
        """Counts these models by name from now on (after a model config reload).

        Args:
            model_names: the configured models' names.
        """
        self._model_names = frozenset(model_names)

    def record(self, model_name, api, entrypoint, status, seconds):
        """Records one finished request.

        Args:
            model_name: the model the request named; one not configured (or "") is
                recorded as UNKNOWN_MODEL.
            api: "Predict", "Classify", "GetModelMetadata" or "GetModelStatus".
            entrypoint: "GRPC" or "REST".
            status: the outcome's code name, e.g. "OK" or "NOT_FOUND".
            seconds: the request's wall time.
        """
        micros = seconds * 1e6
        if model_name not in self._model_names:
            model_name = UNKNOWN_MODEL
        bucket = bisect.bisect_left(LATENCY_BUCKETS, micros)
        with self._lock:
            self._counts[(model_name, status)] += 1
            counts, total = self._latency.get(
                (model_name, api, entrypoint), ([0] * (len(LATENCY_BUCKETS) + 1), 0.0)
            )
            counts[bucket] += 1
            self._latency[(model_name, api, entrypoint)] = (counts, total + micros)

    def request_count(self, model_name, status="OK"):
        """How many requests for a model ended with a status.

        Args:
            model_name: the model name (UNKNOWN_MODEL for all unconfigured ones).
            status: the code name, e.g. "OK".

        Returns:
            The count.
        """
        with self._lock:
            return self._counts[(model_name, status)]

    def render(self):
        """The Prometheus text exposition of every metric.

        Returns:
            The page, one sample per line.
        """
        with self._lock:
            counts = sorted(self._counts.items())
            latency = sorted((key, (list(c), total)) for key, (c, total) in self._latency.items())
        lines = [
            f"# HELP {REQUEST_COUNT} The total number of requests.",
            f"# TYPE {REQUEST_COUNT} counter",
        ]
        for (model_name, status), value in counts:
            labels = _labels(model_name=model_name, status=status)
            lines.append(f"{REQUEST_COUNT}{{{labels}}} {value}")
        lines += [
            f"# HELP {REQUEST_LATENCY} Distribution of wall time (in microseconds) for "
            f"Tensorflow Serving request.",
            f"# TYPE {REQUEST_LATENCY} histogram",
        ]
        for (model_name, api, entrypoint), (bucket_counts, total) in latency:
            labels = _labels(model_name=model_name, API=api, entrypoint=entrypoint)
            cumulative = 0
            for limit, count in zip((*LATENCY_BUCKETS, None), bucket_counts, strict=True):
                cumulative += count
                bound = "+Inf" if limit is None else f"{limit:g}"
                lines.append(f'{REQUEST_LATENCY}_bucket{{{labels},le="{bound}"}} {cumulative}')
            lines.append(f"{REQUEST_LATENCY}_sum{{{labels}}} {total!r}")
            lines.append(f"{REQUEST_LATENCY}_count{{{labels}}} {cumulative}")
        return "\n".join(lines) + "\n"


def _labels(**labels):
    # Prometheus label values escape backslash, double quote and newline.
    def escape(value):
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return ",".join(f'{name}="{escape(value)}"' for name, value in labels.items())
