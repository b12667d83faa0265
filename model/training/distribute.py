"""Multi-worker training: MultiWorkerMirroredStrategy configured by TF_CONFIG, chief-only output.

Each worker is one process running `python -m model.training` (or `python -m pipeline`)
with the same flags and its own TF_CONFIG (the cluster's addresses and this task's index).
`current_worker` reads it and returns what `train.train` needs: the strategy to build the
model under, the config
this worker trains with, and the fault-tolerance callback. The global batch (`--batch-size`)
is split across the workers; Keras's loss divides by the replica count, so the all-reduced
gradients equal the one-process gradient. Only the chief (task "chief", or worker 0 when the
cluster has no chief) writes the run directory, checkpoints and exports; the others write
theirs to a temporary directory removed at exit, as the Keras multi-worker guide does.

Example:
    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                "task": {"type": "worker", "index": 0}}' \\
    python -m pipeline --run-dir /shared/runs/mw --export-base /shared/models/mnist
"""

import atexit
import dataclasses
import json
import os
import pathlib
import shutil
import tempfile

import keras
import tensorflow as tf


class KerasMultiWorkerStrategy(tf.distribute.MultiWorkerMirroredStrategy):
    """MultiWorkerMirroredStrategy with the two reductions Keras 3's `fit` asks of it.

    Keras 3.15 reduces a nested batch with axis=None before building, and each step's scalar
    metrics with axis=0 (keras-team/keras#20585); the plain strategy refuses both. Here a nest
    is reduced leaf by leaf and a scalar as a one-element vector, so the logged loss and
    accuracy are the means over all workers.
    """

    def reduce(self, reduce_op, value, axis):
        if axis is None:
            parent = super()
            return tf.nest.map_structure(lambda leaf: parent.reduce(reduce_op, leaf, None), value)
        if self.experimental_local_results(value)[0].shape.rank == 0:
            value = self.run(lambda scalar: tf.reshape(scalar, [1]), args=(value,))
        return super().reduce(reduce_op, value, axis)


class RestoreOnly(keras.callbacks.BackupAndRestore):
    """A non-chief worker's BackupAndRestore: restores the chief's backup, never writes one."""

    def on_epoch_end(self, epoch, logs=None):
        """Leaves the backup to the chief (all workers hold the same weights)."""

    def on_train_batch_end(self, batch, logs=None):
        """Leaves the backup to the chief."""


@dataclasses.dataclass(frozen=True)
class Worker:
    """What one training process needs to know about the cluster it belongs to.

    Attributes:
        strategy: the tf.distribute strategy to create and compile the model under.
        config: the TrainConfig this process trains with (non-chief: temporary paths).
        is_chief: whether this process writes the run directory and the export.
        callbacks: extra Keras callbacks for `fit` (the fault-tolerance backup).
    """

    strategy: tf.distribute.Strategy
    config: object
    is_chief: bool = True
    callbacks: tuple = ()


def read_tf_config(environ=os.environ):
    """Parses TF_CONFIG.

    Args:
        environ: the environment to read.

    Returns:
        (workers, index, is_chief): the cluster's task count, this task's position among them,
        and whether it is the chief; None when TF_CONFIG is unset or names a single task.

    Raises:
        ValueError: if TF_CONFIG is not JSON with a cluster and this task in it.
    """
    if not environ.get("TF_CONFIG"):
        return None
    try:
        tf_config = json.loads(environ["TF_CONFIG"])
        cluster, task = tf_config["cluster"], tf_config["task"]
        tasks = cluster.get("chief", []) + cluster.get("worker", [])
        position = (0 if task["type"] == "chief" else len(cluster.get("chief", []))) + int(
            task["index"]
        )
        if task["type"] not in ("chief", "worker") or not 0 <= position < len(tasks):
            raise ValueError(f"task {task} is not in the cluster")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"TF_CONFIG is not a valid cluster description ({error})") from None
    if len(tasks) < 2:
        return None
    return len(tasks), position, position == 0


def current_worker(config, environ=os.environ):
    """This process's part in training, from TF_CONFIG.

    Without a multi-task TF_CONFIG it is the whole job: default strategy, config unchanged.
    In a cluster the model is built under KerasMultiWorkerStrategy, steps run one per call
    without XLA (XLA cannot compile collective ops on CPU, and Keras's multi-step loop puts
    them under a condition TF cannot run across workers), and the chief backs the run up to
    run_dir/backup every epoch; every worker restores from there when restarted, so run_dir
    must be the same shared path on every worker.

    Args:
        config: the validated TrainConfig given on the command line.
        environ: the environment holding TF_CONFIG.

    Returns:
        A Worker.

    Raises:
        ValueError: for a bad TF_CONFIG, or a cluster run without --run-dir.
    """
    cluster = read_tf_config(environ)
    if cluster is None:
        return Worker(tf.distribute.get_strategy(), config)
    workers, index, is_chief = cluster
    if not config.run_dir:
        raise ValueError("multi-worker training needs --run-dir, the same path on every worker")
    backup = str(pathlib.Path(config.run_dir) / "backup")
    changes = dict(workers=workers, jit_compile=False, steps_per_execution=1)
    if is_chief:
        callback = keras.callbacks.BackupAndRestore(backup)
    else:
        scratch = tempfile.mkdtemp(prefix=f"model-train-worker{index}-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        changes.update(run_dir=scratch)
        callback = RestoreOnly(backup, delete_checkpoint=False)
    strategy = KerasMultiWorkerStrategy()
    return Worker(strategy, dataclasses.replace(config, **changes), is_chief, (callback,))
