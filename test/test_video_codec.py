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

"""H.264 twins: Image CDR in, CompressedVideo CDR out, decoded back with FFmpeg's decoder."""

import pytest

av = pytest.importorskip('av')
numpy = pytest.importorskip('numpy')
pytest.importorskip('rclpy')

from foxglove_bridge_py.twins.cdr import CdrReader  # noqa: E402, I100
from foxglove_bridge_py.twins.image_codec import ImageError  # noqa: E402
from foxglove_bridge_py.twins.video_codec import VideoStream  # noqa: E402
from rclpy.serialization import serialize_message  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402


def scene(width, height, shift=0):
    """Draw a picture with edges and gradients, moved by ``shift`` pixels: video-like content."""
    y, x = numpy.mgrid[0:height, 0:width]
    red = (x + shift) * 255 // max(1, width)
    green = y * 255 // max(1, height)
    blue = numpy.where(((x + shift) // 8 + y // 8) % 2 == 0, 220, 30)
    return numpy.stack([red, green, blue], axis=-1).astype(numpy.uint8)


def ros_image(pixels, encoding='rgb8', stamp=(1_700_000_000, 5), frame_id='camera_optical'):
    height, width = pixels.shape[:2]
    per_pixel = 1 if pixels.ndim == 2 else pixels.shape[2]
    message = Image(height=height, width=width, encoding=encoding, step=width * per_pixel)
    message.header.frame_id = frame_id
    message.header.stamp.sec, message.header.stamp.nanosec = stamp
    message.data = pixels.tobytes()
    return serialize_message(message)


def read_video(cdr):
    reader = CdrReader(cdr)
    stamp = reader.stamp()
    frame_id = reader.string()
    data = bytes(reader.take(reader.u32()))
    return stamp, frame_id, data, reader.string()


def nal_types(data):
    """List the NAL unit types of an Annex B access unit."""
    return [data[i + 3] & 0x1F for i in range(len(data) - 3) if data[i:i + 3] == b'\0\0\1']


def decode(access_units):
    """Decode one message at a time, as the app does: each is a whole access unit."""
    decoder = av.CodecContext.create('h264', 'r')
    frames = []
    for data in access_units:
        frames.extend(decoder.decode(av.Packet(data)))
    frames.extend(decoder.decode(None))
    return frames


def test_each_frame_is_one_annex_b_access_unit_that_ffmpeg_decodes_with_its_header():
    stream = VideoStream(rate=10.0, bitrate=1_000_000)
    messages = [read_video(stream.encode(ros_image(scene(96, 64, shift), stamp=(7, shift))))
                for shift in range(3)]
    assert [m[0] for m in messages] == [(7, 0), (7, 1), (7, 2)]
    assert {m[1] for m in messages} == {'camera_optical'}
    assert {m[3] for m in messages} == {'h264'}
    first, later = messages[0][2], messages[1][2]
    assert first.startswith(b'\0\0\0\1')
    assert {7, 8, 5} <= set(nal_types(first))  # SPS, PPS and an IDR picture: decodable alone
    assert 5 not in nal_types(later)  # then predicted frames
    frames = decode([m[2] for m in messages])
    assert [(f.width, f.height) for f in frames] == [(96, 64)] * 3
    error = numpy.abs(frames[0].to_ndarray(format='rgb24').astype(int) - scene(96, 64)).mean()
    assert error < 20, error


def test_a_keyframe_comes_every_second_at_the_twin_rate():
    stream = VideoStream(rate=4.0, bitrate=500_000)
    keyframes = [5 in nal_types(read_video(stream.encode(ros_image(scene(64, 48, i))))[2])
                 for i in range(9)]
    assert keyframes == [True, False, False, False, True, False, False, False, True]


@pytest.mark.parametrize('encoding, channels', [
    ('bgr8', 3), ('rgba8', 4), ('bgra8', 4), ('mono8', 1), ('8UC3', 3)])
def test_every_colour_and_mono_encoding_makes_a_decodable_stream(encoding, channels):
    pixels = scene(64, 48)
    if channels == 4:
        pixels = numpy.concatenate([pixels, numpy.full((48, 64, 1), 255, numpy.uint8)], axis=2)
    elif channels == 1:
        pixels = pixels[:, :, 1].copy()
    stream = VideoStream(rate=10.0, bitrate=500_000)
    frames = decode([read_video(stream.encode(ros_image(pixels, encoding)))[2]])
    assert [(f.width, f.height) for f in frames] == [(64, 48)]


def test_odd_sizes_lose_their_last_row_and_column_and_a_new_size_starts_a_new_stream():
    stream = VideoStream(rate=10.0, bitrate=500_000)
    odd = read_video(stream.encode(ros_image(scene(65, 49))))[2]
    bigger = read_video(stream.encode(ros_image(scene(80, 60))))[2]
    assert 5 in nal_types(bigger)  # a keyframe with the new size
    assert [(f.width, f.height) for f in decode([odd])] == [(64, 48)]
    assert [(f.width, f.height) for f in decode([bigger])] == [(80, 60)]


def test_depth_frames_have_no_video_twin_and_malformed_frames_are_named():
    stream = VideoStream(rate=10.0, bitrate=500_000)
    depth = numpy.zeros((4, 4), '<u2')
    message = Image(height=4, width=4, encoding='16UC1', step=8, data=depth.tobytes())
    assert stream.encode(serialize_message(message)) is None
    short_step = Image(height=4, width=4, encoding='rgb8', step=6, data=bytes(24))
    with pytest.raises(ImageError, match='needs a step of at least 12, the message says 6'):
        stream.encode(serialize_message(short_step))
    tiny = Image(height=1, width=8, encoding='mono8', step=8, data=bytes(8))
    with pytest.raises(ImageError, match='8x1 is too small for a video'):
        stream.encode(serialize_message(tiny))
