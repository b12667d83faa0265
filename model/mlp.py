"""ManualMLP: a Keras model that owns its weight variables and trains like the origin's loop.

The origin's loop (docs/training.md) is `relu(x@w1+b1) -> relu(.@w2+b2) -> .@w3+b3`, MSE
against one-hot labels, GradientTape, `w -= lr * grad`. This class is that loop in
Keras form, so `model.fit` gives the same weights while keeping callbacks, LR
schedules and distribution strategies working. The model also carries the temperature T
that calibrates its probabilities, softmax(scores / T) (see model/calibration.py); it is
part of the config, so `.keras` files and exports keep it.

Example:
    python -c "from model import ManualMLP; print(ManualMLP().summary())"
"""

import math

import keras
import tensorflow as tf


def _check_temperature(value):
    # Returns value as a float, or raises ValueError naming it.
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not (number and math.isfinite(value) and value > 0):
        raise ValueError(f"temperature must be a positive finite number, got {value!r}")
    return float(value)


@keras.saving.register_keras_serializable(package="mnist_serving")
class ManualMLP(keras.Model):
    """A multilayer perceptron whose weights are plain variables named w1, b1, w2, b2, ...

    Args:
        input_dim: Number of input features (784 for flattened MNIST).
        hidden_units: Width of each hidden ReLU layer, in order.
        num_classes: Width of the linear output layer.
        init_stddev: Standard deviation of the normal initializer of the kernels.
        seed: Integer seed for the initial weights, or None for fresh randomness.
        temperature: T of the calibrated probabilities softmax(scores / T); 1 until
            `set_temperature` stores one fitted on held-out data.
    """

    def __init__(
        self,
        input_dim=784,
        hidden_units=(256, 128),
        num_classes=10,
        init_stddev=0.1,
        seed=None,
        temperature=1.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        hidden_units = tuple(hidden_units)
        for name, value in [("input_dim", input_dim), ("num_classes", num_classes)]:
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not hidden_units or any(not isinstance(u, int) or u < 1 for u in hidden_units):
            raise ValueError(
                f"hidden_units must be a non-empty sequence of positive integers, "
                f"got {hidden_units!r}"
            )
        if not init_stddev > 0:
            raise ValueError(f"init_stddev must be positive, got {init_stddev!r}")
        if seed is not None and not isinstance(seed, int):
            raise ValueError(f"seed must be an integer or None, got {seed!r}")
        self.input_dim = input_dim
        self.hidden_units = hidden_units
        self.num_classes = num_classes
        self.init_stddev = init_stddev
        self.seed = seed
        self.temperature = _check_temperature(temperature)

        sizes = (input_dim, *hidden_units, num_classes)
        self.kernels, self.biases = [], []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layer_seed = None if seed is None else seed + i
            self.kernels.append(
                self.add_weight(
                    shape=(fan_in, fan_out),
                    initializer=keras.initializers.RandomNormal(
                        stddev=init_stddev, seed=layer_seed
                    ),
                    name=f"w{i + 1}",
                )
            )
            self.biases.append(
                self.add_weight(shape=(fan_out,), initializer="zeros", name=f"b{i + 1}")
            )
        # The origin's loss, used when compile() is given none: mean over batch and
        # classes of (onehot - scores)^2.
        self.origin_loss = keras.losses.MeanSquaredError()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_metric = keras.metrics.CategoricalAccuracy(name="accuracy")
        self.built = True

    def call(self, x):
        # x: [batch, input_dim] float32 -> scores [batch, num_classes], no output activation.
        for kernel, bias in zip(self.kernels[:-1], self.biases[:-1], strict=True):
            x = tf.nn.relu(tf.matmul(x, kernel) + bias)
        return tf.matmul(x, self.kernels[-1]) + self.biases[-1]

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss, or the origin's MSE against one-hot labels if none was given."""
        if self.loss is None:
            return self.origin_loss(y, y_pred, sample_weight=sample_weight)
        return super().compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training
        )

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_metric]

    def train_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            # A keras Loss divides by the replica count under tf.distribute, so the
            # summed per-replica gradients equal the one-device gradient.
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        self._update_metrics(loss, y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        self._update_metrics(loss, y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def _update_metrics(self, loss, y, y_pred, sample_weight):
        # Undo the per-replica scaling so the reported loss is the batch mean.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        self.loss_tracker.update_state(loss * replicas, sample_weight=tf.shape(y_pred)[0])
        self.accuracy_metric.update_state(y, y_pred, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(
            input_dim=self.input_dim,
            hidden_units=list(self.hidden_units),
            num_classes=self.num_classes,
            init_stddev=self.init_stddev,
            seed=self.seed,
            temperature=self.temperature,
        )
        return config

    def set_temperature(self, temperature):
        """Stores the calibration temperature that exports and `.keras` files carry.

        Args:
            temperature: positive number, e.g. from `model.calibration.fit_temperature`.

        Raises:
            ValueError: naming a temperature that is not a positive finite number.
        """
        self.temperature = _check_temperature(temperature)
