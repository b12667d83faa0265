"""In-graph decoding of PNG/JPEG bytes into MNIST-style 28x28 images.

The `predict_image_bytes` signature runs this inside the SavedModel, so every client (REST
`{"b64": ...}`, gRPC, warmup) gets the same pixels. The rule, per image:

1. Decode. A file declaring more than `image_size.MAX_PIXELS` pixels in its header is
   refused before decoding (see export/image_size.py). PNG or JPEG, up to 2048x2048, grey,
   grey+alpha, RGB or RGBA. Transparent pixels are composited over white (a drawing on a
   transparent canvas counts as dark-on-light); colour becomes grey by ITU-R BT.601 luma
   weights (which sum to 1, so a grey file keeps its exact levels); values are scaled to
   [0, 1].
2. Polarity. The background level is the mean of the image's one-pixel border. If it is
   above 0.5 the image is dark-on-light and is inverted (x -> 1 - x), so the digit is light
   on dark as in MNIST.
3. A 28x28 image is then used as it is: exactly the pixels a `predict_pixels` caller sends.
4. Any other size is fitted the way MNIST was made. The background level is mapped to 0 and
   the brightest pixel to 1. The digit's bounding box is the smallest rectangle holding every
   pixel above `INK_THRESHOLD`; it is cropped, resized (bilinear, antialiased) so its longer
   side is `BOX_SIZE` (20) pixels with the aspect ratio kept, and placed in a black 28x28 field
   with its centre of mass on pixel (14, 14), shifted only as far as needed to stay inside.
   Centring by mass, not by box, is what MNIST did, and the MLP learnt digits placed that
   way: box centring shifts them and costs much of its accuracy on redrawn digits. An image with
   no pixel above the threshold becomes all black.

Example:
    python -c "from export.image import fit_images; print(fit_images([open('d.png', 'rb').read()]))"
"""

import tensorflow as tf

from common import contract
from export.image_size import check_pixel_budget

# Side of the square the digit's bounding box is scaled into, as in MNIST.
BOX_SIZE = 20
# A pixel (after background removal and contrast stretch) above this belongs to the digit.
INK_THRESHOLD = 0.2
# ITU-R BT.601 weights of red, green and blue in grey.
LUMA = (0.299, 0.587, 0.114)
# Mean border level above which an image counts as dark-on-light.
LIGHT_BACKGROUND = 0.5


def decode_grey(image_bytes):
    """Decodes one PNG or JPEG file into grey levels.

    Args:
        image_bytes: scalar string tensor, the file's bytes.

    Returns:
        float32 [height, width] in [0, 1], transparent pixels composited over white.

    Raises:
        tf.errors.InvalidArgumentError: the file declares more than MAX_PIXELS pixels.
    """
    image_bytes = check_pixel_budget(image_bytes)

    def jpeg():
        rgb = tf.io.decode_jpeg(image_bytes, channels=3)
        opaque = tf.fill(tf.shape(rgb[..., :1]), tf.constant(255, tf.uint8))
        return tf.concat([rgb, opaque], axis=-1)

    rgba = tf.cond(
        tf.io.is_jpeg(image_bytes), jpeg, lambda: tf.io.decode_png(image_bytes, channels=4)
    )
    rgba = tf.cast(rgba, tf.float32) / 255.0
    alpha = rgba[..., 3:]
    rgb = rgba[..., :3] * alpha + (1.0 - alpha)
    return tf.tensordot(rgb, LUMA, axes=1)


def border_level(image):
    """Mean of an image's one-pixel frame, the estimate of its background.

    Args:
        image: float32 [height, width].

    Returns:
        float32 scalar.
    """
    frame = tf.concat([image[0], image[-1], image[:, 0], image[:, -1]], axis=0)
    return tf.reduce_mean(frame)


def _place_by_centre_of_mass(digit):
    # digit: [h, w] with max(h, w) == BOX_SIZE -> [28, 28], zero-padded around it. Centres
    # are in pixel indices: MNIST's test digits have their mass centre at index 14.0 on
    # average (std 0.3), so that is the target.
    size = contract.IMAGE_SIZE
    shape = tf.shape(digit)
    total = tf.maximum(tf.reduce_sum(digit), 1e-6)
    rows = tf.cast(tf.range(shape[0]), tf.float32)
    cols = tf.cast(tf.range(shape[1]), tf.float32)
    centre_row = tf.reduce_sum(tf.reduce_sum(digit, axis=1) * rows) / total
    centre_col = tf.reduce_sum(tf.reduce_sum(digit, axis=0) * cols) / total
    top = tf.clip_by_value(tf.cast(tf.round(size / 2 - centre_row), tf.int32), 0, size - shape[0])
    left = tf.clip_by_value(tf.cast(tf.round(size / 2 - centre_col), tf.int32), 0, size - shape[1])
    padding = [[top, size - shape[0] - top], [left, size - shape[1] - left]]
    return tf.reshape(tf.pad(digit, padding), [size, size])


def fit_digit(image, background):
    """Fits a light-on-dark image of any size into MNIST's 28x28 layout (step 4 above).

    Args:
        image: float32 [height, width] in [0, 1], digit light on dark.
        background: float32 scalar, the image's background level.

    Returns:
        float32 [28, 28] in [0, 1].
    """
    peak = tf.reduce_max(image)
    image = tf.clip_by_value((image - background) / tf.maximum(peak - background, 1e-6), 0.0, 1.0)
    ink = image > INK_THRESHOLD
    rows = tf.where(tf.reduce_any(ink, axis=1))[:, 0]
    cols = tf.where(tf.reduce_any(ink, axis=0))[:, 0]

    def crop_and_place():
        box = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        height = tf.cast(tf.shape(box)[0], tf.float32)
        width = tf.cast(tf.shape(box)[1], tf.float32)
        scale = BOX_SIZE / tf.maximum(height, width)
        target = tf.maximum(tf.cast(tf.round(tf.stack([height, width]) * scale), tf.int32), 1)
        digit = tf.image.resize(box[..., None], target, method="bilinear", antialias=True)
        return _place_by_centre_of_mass(tf.clip_by_value(digit[..., 0], 0.0, 1.0))

    return tf.cond(
        tf.size(rows) > 0,
        crop_and_place,
        lambda: tf.zeros([contract.IMAGE_SIZE, contract.IMAGE_SIZE], tf.float32),
    )


def fit_image(image_bytes):
    """Applies the module's whole rule to one file.

    Args:
        image_bytes: scalar string tensor, a PNG or JPEG file.

    Returns:
        float32 [28, 28] in [0, 1], the digit light on dark.
    """
    grey = decode_grey(image_bytes)
    background = border_level(grey)
    light = background > LIGHT_BACKGROUND
    grey = tf.where(light, 1.0 - grey, grey)
    background = tf.where(light, 1.0 - background, background)
    shape = tf.shape(grey)
    is_mnist_size = tf.reduce_all(tf.equal(shape, contract.IMAGE_SIZE))
    return tf.cond(
        is_mnist_size,
        lambda: tf.reshape(grey, [contract.IMAGE_SIZE, contract.IMAGE_SIZE]),
        lambda: fit_digit(grey, background),
    )


def fit_images(image_bytes):
    """Applies the rule to a batch of files.

    Args:
        image_bytes: string tensor [batch] (or a list of bytes) of PNG or JPEG files.

    Returns:
        float32 [batch, 28, 28] in [0, 1].
    """
    # One image at a time, so a request's decoded working set is that of its largest image.
    return tf.map_fn(
        fit_image,
        tf.convert_to_tensor(image_bytes, tf.string),
        fn_output_signature=tf.TensorSpec([contract.IMAGE_SIZE, contract.IMAGE_SIZE], tf.float32),
        parallel_iterations=1,
    )
