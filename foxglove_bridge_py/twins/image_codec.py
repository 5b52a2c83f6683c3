# Copyright 2026 foxglove_bridge_py contributors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""
A camera frame's compressed twin: sensor_msgs/msg/Image CDR in, CompressedImage CDR out.

The Image is read straight from its CDR bytes (no rclpy message is built: a 1080p frame is
6 MB) and checked (a step or size that does not add up is an :class:`ImageError` naming it).
Colour and mono8 frames become JPEG, depth frames (mono16, 16UC1, and 32FC1 metres as 16-bit
millimetres) lossless 16-bit PNG, both with Pillow; the format string is the image's MIME subtype
(``jpeg``, ``png``), which is how the app's Image panel decodes a CompressedImage. The header
and frame_id are kept, so the twin is placed where the raw frame would be. Pure but for Pillow
(and numpy for 32FC1), which release the GIL while they work: the caller runs it on a worker
thread.
"""

from __future__ import annotations

from dataclasses import dataclass
import io
from typing import Optional

from foxglove_bridge_py.twins.cdr import CdrError, CdrReader, CdrWriter

JPEG_MODES = {
    # encoding: (Pillow mode, raw mode, bytes per pixel)
    'rgb8': ('RGB', 'RGB', 3), 'bgr8': ('RGB', 'BGR', 3), 'rgba8': ('RGBA', 'RGBA', 4),
    'bgra8': ('RGBA', 'BGRA', 4), 'mono8': ('L', 'L', 1), '8UC1': ('L', 'L', 1),
    '8UC3': ('RGB', 'BGR', 3)}
"""Encodings sent as JPEG: what Pillow reads them as. OpenCV's 8UC3 is BGR."""


class ImageError(CdrError):
    """A frame that cannot be encoded; the text says what is wrong with it."""


@dataclass(frozen=True)
class RawImage:
    """The fields of a sensor_msgs/msg/Image, its pixels a view into the CDR bytes."""

    stamp_sec: int
    stamp_nanosec: int
    frame_id: str
    height: int
    width: int
    encoding: str
    is_bigendian: bool
    step: int
    data: memoryview


def parse_image(cdr: bytes) -> RawImage:
    """
    Read a sensor_msgs/msg/Image from its CDR bytes, without copying the pixels.

    :param cdr: the serialized message, as a raw subscription gives it.
    :return: its fields.
    :raises ImageError: if the bytes are not an Image or its size and step do not add up.
    """
    try:
        reader = CdrReader(cdr)
        sec, nanosec = reader.stamp()
        frame_id = reader.string()
        height, width = reader.u32(), reader.u32()
        encoding = reader.string()
        is_bigendian = bool(reader.u8())
        step = reader.u32()
        data = reader.take(reader.u32())
    except CdrError as exc:
        raise ImageError(str(exc)) from None
    if step * height > len(data):
        raise ImageError(f'{width}x{height} {encoding} with step {step} needs {step * height} '
                         f'bytes of data, the message has {len(data)}')
    return RawImage(sec, nanosec, frame_id, height, width, encoding, is_bigendian, step, data)


def compressed_image_cdr(image: RawImage, image_format: str, data: bytes) -> bytes:
    """
    Serialize a sensor_msgs/msg/CompressedImage with the frame's header.

    :param image: the source frame (for its stamp and frame_id).
    :param image_format: e.g. ``jpeg``.
    :param data: the compressed bytes.
    :return: the CDR bytes (little-endian).
    """
    writer = CdrWriter()
    writer.stamp(image.stamp_sec, image.stamp_nanosec)
    writer.string(image.frame_id)
    writer.string(image_format)
    writer.octets(data)
    return writer.getvalue()


def jpeg_twin(cdr: bytes, quality: int) -> Optional[bytes]:
    """
    Encode an Image's CDR bytes as the CDR bytes of its JPEG CompressedImage.

    :param cdr: the sensor_msgs/msg/Image.
    :param quality: JPEG quality, 1 to 100.
    :return: the CompressedImage, or None if its encoding is not one JPEG can carry.
    :raises ImageError: if the frame is malformed.
    """
    from PIL import Image

    image = parse_image(cdr)
    mode = JPEG_MODES.get(image.encoding)
    if mode is None:
        return None
    pillow_mode, raw_mode, pixel_bytes = mode
    need_step(image, pixel_bytes)
    picture = Image.frombuffer(pillow_mode, (image.width, image.height), image.data, 'raw',
                               raw_mode, image.step, 1)
    if pillow_mode == 'RGBA':
        picture = picture.convert('RGB')  # JPEG has no alpha
    encoded = io.BytesIO()
    picture.save(encoded, 'JPEG', quality=quality)
    return compressed_image_cdr(image, 'jpeg', encoded.getvalue())


DEPTH_RAW_MODES = {False: 'I;16', True: 'I;16B'}
"""Pillow's raw modes for 16-bit pixels, by the Image's is_bigendian."""
MAX_DEPTH_MM = 65535


def png_twin(cdr: bytes) -> Optional[bytes]:
    """
    Encode a depth Image's CDR bytes as the CDR bytes of its 16-bit PNG CompressedImage.

    mono16 and 16UC1 go as they are (lossless); 32FC1 (metres) goes as millimetres, NaN and
    negative depths as 0, beyond 65.535 m as 65535.

    :param cdr: the sensor_msgs/msg/Image.
    :return: the CompressedImage, or None if the encoding is not a depth encoding.
    :raises ImageError: if the frame is malformed.
    """
    from PIL import Image

    image = parse_image(cdr)
    if image.encoding in ('mono16', '16UC1'):
        need_step(image, 2)
        picture = Image.frombuffer('I;16', (image.width, image.height), image.data, 'raw',
                                   DEPTH_RAW_MODES[image.is_bigendian], image.step, 1)
    elif image.encoding == '32FC1':
        need_step(image, 4)
        picture = Image.frombuffer('I;16', (image.width, image.height),
                                   _millimetres(image), 'raw', 'I;16', 0, 1)
    else:
        return None
    encoded = io.BytesIO()
    picture.save(encoded, 'PNG')
    return compressed_image_cdr(image, 'png', encoded.getvalue())


def need_step(image: RawImage, pixel_bytes: int) -> None:
    """
    Check that a frame's rows hold its pixels.

    :param image: the frame.
    :param pixel_bytes: bytes per pixel of its encoding.
    :raises ImageError: naming the step needed and the step given.
    """
    if image.step < image.width * pixel_bytes:
        raise ImageError(f'{image.width}x{image.height} {image.encoding} needs a step of at '
                         f'least {image.width * pixel_bytes}, the message says {image.step}')


def _millimetres(image: RawImage) -> bytes:
    import numpy

    dtype: numpy.dtype[numpy.float32] = numpy.dtype('>f4' if image.is_bigendian else '<f4')
    rows = numpy.frombuffer(image.data, dtype=numpy.uint8, count=image.step * image.height)
    metres = rows.reshape(image.height, image.step)[:, :image.width * 4].copy().view(dtype)
    millimetres = numpy.nan_to_num(metres * 1000.0, nan=0.0, posinf=MAX_DEPTH_MM, neginf=0.0)
    return numpy.clip(numpy.rint(millimetres), 0, MAX_DEPTH_MM).astype('<u2').tobytes()


def image_twin(cdr: bytes, quality: int) -> Optional[bytes]:
    """
    Encode any Image the twins carry: JPEG for colour and mono8, PNG for depth.

    :param cdr: the sensor_msgs/msg/Image.
    :param quality: JPEG quality, 1 to 100.
    :return: the CompressedImage, or None if no twin carries this encoding.
    :raises ImageError: if the frame is malformed.
    """
    encoding = parse_image(cdr).encoding
    if encoding in JPEG_MODES:
        return jpeg_twin(cdr, quality)
    return png_twin(cdr)
