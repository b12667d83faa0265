"""An image's declared width and height, read from its header in the graph, and the pixel budget.

A compressed image can declare far more pixels than its file size suggests (a 514 kB PNG of
23000x23000 pixels decodes to 2 GB of RGBA). `check_pixel_budget` reads the size a PNG or
JPEG declares before anything is decoded and refuses files above `MAX_PIXELS` with
INVALID_ARGUMENT, which TF Serving and the local server both answer as 400. It is part of
the exported graph, so TF Serving enforces the same limit.

- PNG: the IHDR chunk always comes first; its width and height are big-endian uint32 at
  bytes 16-23 of the file.
- JPEG: `tf.io.extract_jpeg_shape` reads the frame header without decoding.
- Anything else is left to the decoder, which refuses it.

Example:
    python -c "from export.image_size import declared_size; \
print(declared_size(open('digit.png', 'rb').read()).numpy())"
"""

import tensorflow as tf

# At most 2048x2048 pixels per image. Decoding holds about 40 bytes per pixel at its peak
# (RGBA uint8, RGBA float32, RGB float32, grey float32), so one image needs at most ~170 MB.
MAX_PIXELS = 2048 * 2048
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_SIZE_OFFSET = 16  # 8-byte signature, 4-byte chunk length, 4-byte "IHDR"


def _png_size(image_bytes):
    # Padding keeps substr in range for files shorter than a PNG header; such files are no
    # PNG and report [0, 0].
    padded = tf.strings.join([image_bytes, tf.constant(b"\0" * 24)])
    header = tf.io.decode_raw(tf.strings.substr(padded, _PNG_SIZE_OFFSET, 8), tf.uint8)
    # header: uint8 [8] -> int64 [2] (width, height), big-endian.
    digits = tf.reshape(tf.cast(header, tf.int64), [2, 4])
    width_height = tf.reduce_sum(digits * tf.constant([2**24, 2**16, 2**8, 1], tf.int64), axis=1)
    is_png = tf.equal(tf.strings.substr(padded, 0, 8), _PNG_SIGNATURE)
    return tf.where(is_png, tf.reverse(width_height, [0]), tf.zeros([2], tf.int64))


def declared_size(image_bytes):
    """The height and width an image file declares, without decoding it.

    Args:
        image_bytes: scalar string tensor, the file's bytes.

    Returns:
        int64 [2]: (height, width); (0, 0) for a file that is neither PNG nor JPEG.

    Raises:
        tf.errors.InvalidArgumentError: a JPEG whose header cannot be read.
    """
    return tf.cond(
        tf.io.is_jpeg(image_bytes),
        lambda: tf.cast(tf.io.extract_jpeg_shape(image_bytes)[:2], tf.int64),
        lambda: _png_size(image_bytes),
    )


def check_pixel_budget(image_bytes):
    """Refuses an image that declares more than MAX_PIXELS pixels, before it is decoded.

    Args:
        image_bytes: scalar string tensor, the file's bytes.

    Returns:
        The same tensor, which only flows on once the check has passed.

    Raises:
        tf.errors.InvalidArgumentError: "image of HxW pixels is larger than the limit of
            MAX_PIXELS pixels ...", when run.
    """
    size = declared_size(image_bytes)
    within = tf.less_equal(size[0] * size[1], MAX_PIXELS)
    check = tf.debugging.Assert(
        within,
        [
            tf.strings.format(
                "image of {}x{} pixels (height x width) is larger than the limit of "
                f"{MAX_PIXELS} pixels (2048x2048)",
                (size[0], size[1]),
            )
        ],
    )
    with tf.control_dependencies([check]):
        return tf.identity(image_bytes)
