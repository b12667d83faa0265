"""Seconds per training epoch: the origin's eager loop, model.fit, stock Keras, and the GEMM floor.

All four run in one process on the same data (MNIST, batch 128, dataset order, SGD 1e-3,
MSE against one-hot labels), so their ratios are comparable:
  a. the origin's eager loop: tf.data batches, GradientTape, assign_sub, loss read every 100 steps;
  b. ManualMLP under the seed recipe through `model.fit` (compiled, steps_per_execution);
  c. a stock `keras.Sequential` of Dense layers with the same set-up;
  d. the floor: the epoch's matrix products alone (3 forward, 5 backward per step) in one
     compiled loop.
Each figure is the fastest of the timed epochs after one warm-up epoch (as timeit does:
the minimum is the figure least disturbed by other work on a shared machine).

Example:
    python bench/train_speed.py --epochs 5
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import argparse
import time

import keras
import tensorflow as tf

from common.mnist import load_mnist
from model import ManualMLP, make_dataset
from model.data import preprocess
from model.training.config import SEED_RECIPE

BATCH = SEED_RECIPE["batch_size"]
LR = SEED_RECIPE["learning_rate"]


def time_epochs(run_epoch, epochs):
    """Runs one warm-up epoch, then `epochs` timed ones; returns the fastest in seconds."""
    run_epoch()
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        run_epoch()
        times.append(time.perf_counter() - start)
    return min(times)


def origin_eager_epoch(dataset, weights):
    """One epoch of the origin's loop, eagerly, as it was written."""

    def run():
        for step, (x, y) in enumerate(dataset):
            with tf.GradientTape() as tape:
                h1 = tf.nn.relu(tf.matmul(x, weights[0]) + weights[1])
                h2 = tf.nn.relu(tf.matmul(h1, weights[2]) + weights[3])
                out = tf.matmul(h2, weights[4]) + weights[5]
                loss = tf.reduce_mean(tf.square(y - out))
            for w, g in zip(weights, tape.gradient(loss, weights), strict=True):
                w.assign_sub(LR * g)
            if step % 100 == 0:
                float(loss)  # the origin printed it; reading it forces the same sync

    return run


def fit_epoch(model, dataset, loss=None):
    """One `model.fit` epoch under the seed recipe; ManualMLP needs no loss (MSE is its default)."""
    model.compile(
        optimizer=keras.optimizers.SGD(LR),
        loss=loss,
        steps_per_execution=SEED_RECIPE["steps_per_execution"],
        jit_compile=SEED_RECIPE["jit_compile"],
    )
    return lambda: model.fit(dataset, epochs=1, verbose=0, shuffle=False)


def sequential_model():
    return keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10),
        ]
    )


def gemm_floor_epoch(x_all, weights):
    """The epoch's matmuls alone, in one compiled loop over the same batches."""
    w1, _, w2, _, w3, _ = [tf.constant(w) for w in weights]
    steps = -(-int(x_all.shape[0]) // BATCH)

    @tf.function(jit_compile=False)
    def run():
        total = tf.constant(0.0)
        for i in tf.range(steps):
            x = x_all[i * BATCH : (i + 1) * BATCH]
            h1 = tf.matmul(x, w1)
            h2 = tf.matmul(h1, w2)
            out = tf.matmul(h2, w3)
            # Backward: weight gradients (3) and input gradients of layers 3 and 2 (2).
            d3 = tf.matmul(h2, out, transpose_a=True)
            d_h2 = tf.matmul(out, w3, transpose_b=True)
            d2 = tf.matmul(h1, d_h2, transpose_a=True)
            d_h1 = tf.matmul(d_h2, w2, transpose_b=True)
            d1 = tf.matmul(x, d_h1, transpose_a=True)
            total += d1[0, 0] + d2[0, 0] + d3[0, 0]
        return total

    return lambda: run().numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs per variant")
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error(f"--epochs must be positive, got {args.epochs}")

    (x_train, y_train), _ = load_mnist()
    dataset = make_dataset(x_train, y_train, BATCH)  # exactly as model.training feeds it
    x_all, _ = preprocess(x_train, y_train)
    initial = ManualMLP(seed=0).get_weights()
    seconds = {
        "a. origin eager loop": time_epochs(
            origin_eager_epoch(dataset, [tf.Variable(w) for w in initial]), args.epochs
        ),
        "b. ManualMLP model.fit": time_epochs(fit_epoch(ManualMLP(seed=0), dataset), args.epochs),
        "c. keras.Sequential fit": time_epochs(
            fit_epoch(sequential_model(), dataset, "mse"), args.epochs
        ),
        "d. GEMM floor": time_epochs(gemm_floor_epoch(x_all, initial), args.epochs),
    }
    print("| variant | seconds per epoch |\n| --- | --- |")
    for name, value in seconds.items():
        print(f"| {name} | {value:.3f} |")
    a, b, d = (
        seconds[k] for k in ("a. origin eager loop", "b. ManualMLP model.fit", "d. GEMM floor")
    )
    print(f"\na/b = {a / b:.2f} (goal >= 4)   b/d = {b / d:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()
