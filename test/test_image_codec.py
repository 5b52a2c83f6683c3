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

from foxglove_bridge_py.image_codec import ImageError, jpeg_twin, parse_image  # noqa: E402, I100
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


def test_unsupported_encodings_get_no_jpeg_twin():
    assert jpeg_twin(ros_image('16UC1', 8, 8, (1, 2)), 90) is None


@pytest.mark.parametrize('cdr, text', [
    (ros_image('rgb8', 8, 8, (1, 2, 3), step=12), 'needs a step of at least 24'),
    (ros_image('rgb8', 8, 8, (1, 2, 3))[:-100], 'shorter than its fields say'),
    (b'\x00\x07\x00\x00abc', 'not CDR data'),
])
def test_malformed_frames_are_errors_that_say_what_is_wrong(cdr, text):
    with pytest.raises(ImageError, match=text):
        jpeg_twin(cdr, 90)
