"""Server metrics in Prometheus text format, under TF Serving's metric names.

Every API call is recorded: `:tensorflow:serving:request_count{model_name, status}`
counts requests by outcome, and `:tensorflow:serving:request_latency{model_name, API,
entrypoint}` is a histogram of wall time in microseconds with TF Serving's buckets
(10 x 1.8^i, i < 33). A call that reached a signature of a served version is also
counted per version and signature (`:tensorflow:serving:signature_request_count`,
`..._latency`: this server's own names, TF Serving has none). Batching records TF
Serving's `:tensorflow:serving:batching_session:*` families (queuing latency, input,
processed and padding batch sizes, wrapped runs) and the request logger its
`:tensorflow:serving:request_log_count` through `count`. The REST port serves the page
when `--monitoring_config_file` enables Prometheus; a family shows once it has a sample.

Labels hold only values the server chose: a request naming a model that is not configured
is counted under `model_name="<unknown>"`, so a client sending ever new names cannot grow
the metrics (each distinct name would otherwise be kept forever).

Example:
    curl http://127.0.0.1:8501/monitoring/prometheus/metrics
"""

import bisect
import collections
import threading

from serving.server.metric_families import (
    ALWAYS_SHOWN,
    BY_NAME,
    FAMILIES,
    INPUT_BATCH_SIZE,
    LATENCY_BUCKETS,
    PADDING_SIZE,
    PROCESSED_BATCH_SIZE,
    QUEUING_LATENCY,
    REQUEST_COUNT,
    REQUEST_LATENCY,
    REQUEST_LOG_COUNT,
    SIGNATURE_REQUEST_COUNT,
    SIGNATURE_REQUEST_LATENCY,
    UNKNOWN_MODEL,
    WRAPPED_RUN_COUNT,
)

# The names callers record under; help texts, labels and buckets are in metric_families.
__all__ = [
    "INPUT_BATCH_SIZE",
    "LATENCY_BUCKETS",
    "PADDING_SIZE",
    "PROCESSED_BATCH_SIZE",
    "QUEUING_LATENCY",
    "REQUEST_COUNT",
    "REQUEST_LATENCY",
    "REQUEST_LOG_COUNT",
    "SIGNATURE_REQUEST_COUNT",
    "SIGNATURE_REQUEST_LATENCY",
    "UNKNOWN_MODEL",
    "WRAPPED_RUN_COUNT",
    "Metrics",
]


class Metrics:
    """Thread-safe counters and histograms; each call takes one lock, briefly.

    Args:
        model_names: the configured models; any other name is recorded as UNKNOWN_MODEL.
    """

    def __init__(self, model_names=()):
        self._model_names = frozenset(model_names)
        self._lock = threading.Lock()
        # counter name -> Counter(label values -> count); histogram name -> {label values ->
        # [per-bucket counts (+Inf last), sum]}.
        self._counters = {f.name: collections.Counter() for f in FAMILIES if not f.buckets}
        self._histograms = {f.name: _Histogram(f.buckets) for f in FAMILIES if f.buckets}
        self._renderers = []  # other sources' exposition text, appended to the page

    def add_renderer(self, render):
        """Appends another source's metrics (e.g. the request logger's) to every page.

        Args:
            render: callable() -> Prometheus text ending in a newline, or "".
        """
        with self._lock:
            self._renderers.append(render)

    def set_models(self, model_names):
        """Counts these models by name from now on (after a model config reload).

        Args:
            model_names: the configured models' names.
        """
        self._model_names = frozenset(model_names)

    def record(self, model_name, api, entrypoint, status, seconds, version=None, signature=""):
        """Records one finished request.

        Args:
            model_name: the model the request named; one not configured (or "") is
                recorded as UNKNOWN_MODEL.
            api: "Predict", "Classify", "GetModelMetadata", "GetModelStatus", "infer", ...
            entrypoint: "GRPC" or "REST".
            status: the outcome's code name, e.g. "OK" or "NOT_FOUND".
            seconds: the request's wall time.
            version: the served version the request ran on, if it got that far.
            signature: the signature it ran ("" for none): with a version, the request is
                also counted per version and signature.
        """
        micros = seconds * 1e6
        if model_name not in self._model_names:
            model_name, signature = UNKNOWN_MODEL, ""
        bucket = bisect.bisect_left(LATENCY_BUCKETS, micros)
        with self._lock:
            self._counters[REQUEST_COUNT][(model_name, status)] += 1
            latency = self._histograms[REQUEST_LATENCY]
            latency.observe((model_name, api, entrypoint), micros, bucket)
            if signature and version is not None:
                labels = (model_name, str(version), signature, api, entrypoint)
                self._counters[SIGNATURE_REQUEST_COUNT][(*labels, status)] += 1
                self._histograms[SIGNATURE_REQUEST_LATENCY].observe(labels, micros, bucket)

    def record_batch(self, task_sizes, queued_seconds, batch_size, thread_pool_name=""):
        """Records one batch about to run, as TF Serving's batching session does.

        Args:
            task_sizes: each task's rows (input_batch_size).
            queued_seconds: each task's time from enqueue to its batch (queuing_latency).
            batch_size: the rows the batch runs with, padding included
                (processed_batch_size; padding_size is batch_size - sum(task_sizes)).
            thread_pool_name: the queuing_latency label.
        """
        padding = batch_size - sum(task_sizes)
        with self._lock:
            for size in task_sizes:
                self._histograms[INPUT_BATCH_SIZE].observe((), size)
            for seconds in queued_seconds:
                self._histograms[QUEUING_LATENCY].observe((thread_pool_name,), seconds * 1e6)
            self._histograms[PROCESSED_BATCH_SIZE].observe((), batch_size)
            self._histograms[PADDING_SIZE].observe((str(batch_size),), padding)
            self._counters[WRAPPED_RUN_COUNT][()] += 1

    def count(self, name, labels=None, amount=1):
        """Adds to a counter: `count(REQUEST_LOG_COUNT, {"model_name": m, "status_code": "OK"})`.

        Args:
            name: a counter's name, e.g. REQUEST_LOG_COUNT.
            labels: dict of exactly that counter's labels; a model_name that is not
                configured is recorded as UNKNOWN_MODEL.
            amount: how much to add.

        Raises:
            ValueError: for a name that is no counter, or labels that are not its own.
        """
        family = BY_NAME.get(name)
        labels = dict(labels or {})
        if family is None or family.buckets or set(labels) != set(family.labels):
            raise ValueError(f"no counter {name!r} with labels {sorted(labels)}")
        if "model_name" in labels and labels["model_name"] not in self._model_names:
            labels["model_name"] = UNKNOWN_MODEL
        key = tuple(str(labels[label]) for label in family.labels)
        with self._lock:
            self._counters[name][key] += amount

    def request_count(self, model_name, status="OK"):
        """How many requests for a model ended with a status.

        Args:
            model_name: the model name (UNKNOWN_MODEL for all unconfigured ones).
            status: the code name, e.g. "OK".

        Returns:
            The count.
        """
        with self._lock:
            return self._counters[REQUEST_COUNT][(model_name, status)]

    def render(self):
        """The Prometheus text exposition of every metric.

        Returns:
            The page, one sample per line.
        """
        with self._lock:
            renderers = list(self._renderers)
            counters = {name: sorted(cells.items()) for name, cells in self._counters.items()}
            histograms = {
                name: sorted(
                    (key, (list(counts), total)) for key, (counts, total) in h.cells.items()
                )
                for name, h in self._histograms.items()
            }
        lines = []
        for family in FAMILIES:
            cells = histograms[family.name] if family.buckets else counters[family.name]
            if not cells and family.name not in ALWAYS_SHOWN:
                continue
            kind = "histogram" if family.buckets else "counter"
            lines += [f"# HELP {family.name} {family.help}", f"# TYPE {family.name} {kind}"]
            for key, value in cells:
                labels = _labels(zip(family.labels, key, strict=True))
                if family.buckets is None:
                    lines.append(
                        f"{family.name}{{{labels}}} {value}" if labels else f"{family.name} {value}"
                    )
                else:
                    lines += _histogram_lines(family, labels, *value)
        return "\n".join(lines) + "\n" + "".join(render() for render in renderers)


class _Histogram:
    # Per label values: counts per bucket (+Inf last) and the sum of observed values.
    def __init__(self, buckets):
        self.buckets = buckets
        self.cells = {}

    def observe(self, key, value, bucket=None):
        # Called with the Metrics lock held; `bucket` when the caller has found it already.
        if bucket is None:
            bucket = bisect.bisect_left(self.buckets, value)
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = [[0] * (len(self.buckets) + 1), 0.0]
        cell[0][bucket] += 1
        cell[1] += value


def _histogram_lines(family, labels, bucket_counts, total):
    prefix = f"{labels}," if labels else ""
    lines, cumulative = [], 0
    for limit, count in zip((*family.buckets, None), bucket_counts, strict=True):
        cumulative += count
        bound = "+Inf" if limit is None else f"{limit:g}"
        lines.append(f'{family.name}_bucket{{{prefix}le="{bound}"}} {cumulative}')
    braces = f"{{{labels}}}" if labels else ""
    lines.append(f"{family.name}_sum{braces} {total!r}")
    lines.append(f"{family.name}_count{braces} {cumulative}")
    return lines


def _labels(pairs):
    # Prometheus label values escape backslash, double quote and newline.
    def escape(value):
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return ",".join(f'{name}="{escape(value)}"' for name, value in pairs)
