"""NVIDIA PyTriton: a `@batch` infer function bound to Triton with `triton.bind`.

Written as PyTriton's binding guide writes a model
(https://triton-inference-server.github.io/pytriton/latest/binding_configuration/):
the `@batch`-decorated function takes the named numpy inputs and returns a dict of named
outputs; `Triton(config=TritonConfig(...))` runs the tritonserver the wheel bundles and
`triton.bind(model_name, infer_func, inputs, outputs, config)` exposes it on Triton's v2
REST API (`/v2/models/mnist/infer`). The dynamic-batching variant binds with
`ModelConfig(max_batch_size=32, batcher=DynamicBatcher(max_queue_delay_microseconds=1000))`;
the plain one with `ModelConfig(batching=False)`, where each request carries its own batch
axis. Runs in the PyTriton venv (peers/registry.py pins it).

Example:
    .venv/bin/python bench/peers/run.py --peers pytriton --cells b1c1 --seconds 2
"""

import numpy as np
import tensorflow as tf
from pytriton.decorators import batch
from pytriton.model_config import DynamicBatcher, ModelConfig, Tensor
from pytriton.triton import Triton, TritonConfig

from peers.spec import INPUT, MAX_BATCH, MODEL_NAME, OUTPUT, SIGNATURE, server_parser


def make_infer_func(model_dir):
    """The `@batch` infer function around the SavedModel's predict_pixels.

    Args:
        model_dir: the SavedModel version directory.

    Returns:
        The decorated function: images uint8 [n, 28, 28] -> {probabilities: [n, 10]}.
    """
    signature = tf.saved_model.load(model_dir).signatures[SIGNATURE]

    @batch
    def infer_func(images):
        return {OUTPUT: signature(**{INPUT: tf.constant(images)})[OUTPUT].numpy()}

    return infer_func


def main(argv=None):
    args = server_parser("python -m peers.pytriton_peer").parse_args(argv)
    if args.variant == "batched":
        batcher = DynamicBatcher(max_queue_delay_microseconds=1000)
        config, lead = ModelConfig(max_batch_size=MAX_BATCH, batcher=batcher), ()
    else:
        config, lead = ModelConfig(batching=False), (-1,)  # the batch axis is the request's
    triton_config = TritonConfig(
        http_address="127.0.0.1", http_port=args.port, grpc_address="127.0.0.1",
        grpc_port=args.grpc_port, metrics_port=args.metrics_port,
    )  # fmt: skip
    with Triton(config=triton_config) as triton:
        triton.bind(
            model_name=MODEL_NAME,
            infer_func=make_infer_func(args.model_dir),
            inputs=[Tensor(name=INPUT, dtype=np.uint8, shape=(*lead, 28, 28))],
            outputs=[Tensor(name=OUTPUT, dtype=np.float32, shape=(*lead, 10))],
            config=config,
        )
        triton.serve()


if __name__ == "__main__":
    main()
