"""model.tflite against its SavedModel: agreement on all 10,000 MNIST test digits, and speed.

Exports a model with `--tflite` (a checkpoint given, or the test suite's quick recipe trained
here: 2 shuffled epochs with Adam, temperature fitted on the last 5,000 training digits) and
prints, for every converted signature and float output, the largest absolute difference
between the TF Lite interpreter and the SavedModel session over the 10,000 test digits and
how many argmaxes differ; then the median time of one in-process call of each servable
(`TfLiteServable` with one interpreter, `Servable`; the synchronous call, without the event
loop's hop to a thread) on `serving_default` at batch 1 and 32.

Example:
    python bench/tflite_speed.py --calls 2000
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import argparse
import statistics
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

from common import contract
from common.mnist import load_mnist
from export import export_model, tflite
from export.tflite_signatures import read_signature_defs
from model import ManualMLP, make_dataset
from model.calibration import fit_temperature
from model.data import scale_pixels
from serving.core.servable import Servable
from serving.core.tflite_servable import TfLiteServable


def _model(checkpoint, x_train, y_train):
    if checkpoint:
        return keras.models.load_model(checkpoint)
    model = ManualMLP(seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), steps_per_execution=50)
    train = make_dataset(x_train[:-5000], y_train[:-5000], shuffle_seed=0)
    model.fit(train, epochs=2, verbose=0, shuffle=False)
    model.set_temperature(fit_temperature(model(scale_pixels(x_train[-5000:])).numpy(),
                                          y_train[-5000:]))  # fmt: skip
    return model


def _agreement(version_dir, x_test):
    model = (version_dir / tflite.MODEL_FILE).read_bytes()
    interpreter = tf.lite.Interpreter(model_content=model, num_threads=1)
    saved = tf.saved_model.load(str(version_dir)).signatures
    for key, signature_def in sorted(read_signature_defs(model).items()):
        arrays = {a: tflite._check_inputs(i, x_test) for a, i in signature_def.inputs.items()}
        lite = tflite.run_signature(interpreter, signature_def, arrays)
        reference = {k: v.numpy() for k, v in saved[key](**arrays).items()}
        for alias, expected in sorted(reference.items()):
            if expected.dtype.kind != "f":
                print(f"{key:17} {alias:14} equal: {np.array_equal(lite[alias], expected)}")
                continue
            diff = np.abs(lite[alias] - expected).max()
            argmax = int((lite[alias].argmax(-1) != expected.argmax(-1)).sum())
            print(f"{key:17} {alias:14} max |diff| {diff:.3g}  argmax differs: {argmax}")


def _per_call(servable, x_test, batch, calls):
    signature = servable.signatures[contract.SERVING_DEFAULT]
    arrays = {contract.IMAGES: (x_test[:batch] / 255.0).astype(np.float32)}
    keys = tuple(signature.outputs)
    for _ in range(50):
        servable._call(signature, keys, arrays)
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        servable._call(signature, keys, arrays)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="a RUN_DIR/model.keras (default: train one here)")
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per case")
    args = parser.parse_args()
    (x_train, y_train), (x_test, _) = load_mnist()
    model = _model(args.checkpoint, x_train, y_train)
    with tempfile.TemporaryDirectory() as base:
        version_dir = export_model(model, base, version=1, with_tflite=True)
        print(f"agreement on {len(x_test)} test digits:")
        _agreement(version_dir, x_test)
        lite = TfLiteServable(contract.MODEL_NAME, 1, version_dir, num_pools=1)
        saved = Servable(contract.MODEL_NAME, 1, version_dir)
        for batch in (1, 32):
            t_lite = _per_call(lite, x_test, batch, args.calls)
            t_saved = _per_call(saved, x_test, batch, args.calls)
            print(
                f"batch {batch:2}: TF Lite {t_lite:7.1f} us/call, SavedModel {t_saved:7.1f} us/call"
            )


if __name__ == "__main__":
    main()
