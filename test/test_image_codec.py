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

"""Compressed image twins: Image CDR in, CompressedImage CDR out, checked with rclpy and Pillow."""

import io

import pytest

Image = pytest.importorskip('PIL.Image')
pytest.importorskip('rclpy')

from foxglove_bridge_py.twins.image_codec import (  # noqa: E402, I100
    image_twin, ImageError, jpeg_twin, parse_image, png_twin)
from rclpy.serialization import deserialize_message, serialize_message  # noqa: E402
from sensor_msgs.msg import CompressedImage  # noqa: E402
from sensor_msgs.msg import Image as RosImage  # noqa: E402


def ros_image(encoding, width, height, pixel, step=None, frame_id='camera_optical'):
    message = RosImage(height=height, width=width, encoding=encoding)
    message.header.frame_id = frame_id
    message.header.stamp.sec, message.header.stamp.nanosec = 1_700_000_000, 123_456_789
    message.step = step if step is not None else width * len(pixel)
    row = (bytes(pixel) * width + bytes(max(0, message.step - width * len(pixel))))[
        :message.step]
    message.data = row * height
    return serialize_message(message)


def decoded(twin_cdr):
    twin = deserialize_message(twin_cdr, CompressedImage)
    return twin, Image.open(io.BytesIO(bytes(twin.data)))


def test_the_image_fields_are_read_without_rclpy():
    image = parse_image(ros_image('rgb8', 4, 3, (10, 20, 30)))
    assert (image.stamp_sec, image.stamp_nanosec, image.frame_id) == (
        1_700_000_000, 123_456_789, 'camera_optical')
    assert (image.width, image.height, image.encoding, image.step) == (4, 3, 'rgb8', 12)
    assert bytes(image.data[:3]) == bytes((10, 20, 30))


@pytest.mark.parametrize('encoding, pixel, rgb', [
    ('rgb8', (200, 40, 10), (200, 40, 10)),
    ('bgr8', (10, 40, 200), (200, 40, 10)),
    ('rgba8', (200, 40, 10, 255), (200, 40, 10)),
    ('bgra8', (10, 40, 200, 255), (200, 40, 10)),
    ('mono8', (90,), (90, 90, 90)),
])
def test_jpeg_twin_keeps_size_header_and_colour(encoding, pixel, rgb):
    twin, picture = decoded(jpeg_twin(ros_image(encoding, 64, 48, pixel), quality=95))
    assert (twin.header.frame_id, twin.header.stamp.sec, twin.header.stamp.nanosec) == (
        'camera_optical', 1_700_000_000, 123_456_789)
    assert twin.format == 'jpeg'
    assert picture.format == 'JPEG' and picture.size == (64, 48)
    got = picture.convert('RGB').getpixel((32, 24))
    assert all(abs(a - b) <= 6 for a, b in zip(got, rgb)), got


def test_padded_rows_are_read_by_their_step():
    twin, picture = decoded(jpeg_twin(ros_image('rgb8', 10, 8, (0, 255, 0), step=64), 90))
    assert picture.size == (10, 8)
    assert picture.convert('RGB').getpixel((9, 7))[1] > 240


def test_unsupported_encodings_get_no_twin():
    assert jpeg_twin(ros_image('16UC1', 8, 8, (1, 2)), 90) is None
    assert png_twin(ros_image('rgb8', 8, 8, (1, 2, 3))) is None
    assert image_twin(ros_image('yuv422', 8, 8, (1, 2)), 90) is None


def pixels(picture):
    import numpy

    return numpy.asarray(picture).ravel().tolist()


def depth_image(encoding, width, height, values, big_endian=False, padding=0):
    import struct

    message = RosImage(height=height, width=width, encoding=encoding, is_bigendian=big_endian)
    message.header.frame_id = 'depth_optical'
    fmt = {'16UC1': 'H', 'mono16': 'H', '32FC1': 'f'}[encoding]
    order = '>' if big_endian else '<'
    message.step = width * struct.calcsize(fmt) + padding
    rows = [values[row * width:(row + 1) * width] for row in range(height)]
    message.data = b''.join(struct.pack(f'{order}{width}{fmt}', *row) + bytes(padding)
                            for row in rows)
    return serialize_message(message)


@pytest.mark.parametrize('encoding, big_endian, padding', [
    ('16UC1', False, 0), ('mono16', True, 0), ('16UC1', False, 6)])
def test_sixteen_bit_depth_round_trips_exactly_through_png(encoding, big_endian, padding):
    values = [(i * 997) % 65536 for i in range(12 * 7)]
    twin, picture = decoded(image_twin(depth_image(encoding, 12, 7, values, big_endian, padding),
                                       90))
    assert (twin.format, twin.header.frame_id) == ('png', 'depth_optical')
    assert picture.format == 'PNG' and picture.size == (12, 7)
    assert pixels(picture) == values


def test_float_depth_goes_as_millimetres():
    nan, inf = float('nan'), float('inf')
    values = [0.0, 1.2345, 2.0, 65.0, 70.0, -1.0, nan, inf]
    twin, picture = decoded(png_twin(depth_image('32FC1', 4, 2, values)))
    assert pixels(picture) == [0, 1234, 2000, 65000, 65535, 0, 0, 65535]


@pytest.mark.parametrize('cdr, text', [
    (ros_image('rgb8', 8, 8, (1, 2, 3), step=12), 'needs a step of at least 24'),
    (ros_image('rgb8', 8, 8, (1, 2, 3))[:-100], 'shorter than its fields say'),
    (b'\x00\x07\x00\x00abc', 'not CDR data'),
])
def test_malformed_frames_are_errors_that_say_what_is_wrong(cdr, text):
    with pytest.raises(ImageError, match=text):
        image_twin(cdr, 90)
