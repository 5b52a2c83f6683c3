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
A camera's H.264 twin: sensor_msgs/msg/Image CDR in, foxglove_msgs/msg/CompressedVideo CDR out.

Unlike a JPEG, a video frame depends on the ones before it, so each twin keeps one encoder for
its lifetime (:class:`VideoStream`). The stream is what the app's video decoder wants: H.264
Annex B, one access unit per message, no B-frames, SPS and PPS repeated with every keyframe, a
keyframe at least once a second so that a client that joins late, or lost frames on a bad
link, shows a picture within a second. libx264 through PyAV, which releases the GIL while it
encodes; the caller runs it on a worker thread. The app's schema is written out here, because
foxglove_msgs is seldom installed on a robot.
"""

from __future__ import annotations

import fractions
from typing import Iterable, Optional, Protocol, SupportsBytes

from foxglove_bridge_py.twins.cdr import CdrWriter
from foxglove_bridge_py.twins.image_codec import ImageError, need_step, parse_image, RawImage

COMPRESSED_VIDEO_TYPE = 'foxglove_msgs/msg/CompressedVideo'
COMPRESSED_VIDEO_DEFINITION = '\n'.join([
    '# A single frame of a compressed video bitstream',
    '',
    '# Timestamp of video frame',
    'builtin_interfaces/Time timestamp',
    '',
    '# Frame of reference for the video.',
    'string frame_id',
    '',
    '# Compressed video frame data.',
    'uint8[] data',
    '',
    '# Video format. Supported values: `h264`, `h265`, `vp9`, `av1`.',
    'string format',
    '',
    '=' * 80,
    'MSG: builtin_interfaces/Time',
    'int32 sec',
    'uint32 nanosec',
    ''])
"""The ros2msg schema of the twin, as the app reads it (definition, then its dependencies)."""

PIXEL_FORMATS = {
    # encoding: (PyAV pixel format, bytes per pixel)
    'rgb8': ('rgb24', 3), 'bgr8': ('bgr24', 3), 'rgba8': ('rgba', 4), 'bgra8': ('bgra', 4),
    'mono8': ('gray', 1), '8UC1': ('gray', 1), '8UC3': ('bgr24', 3)}
"""Encodings the video twin carries."""


def compressed_video_cdr(image: RawImage, data: bytes) -> bytes:
    """
    Serialize a foxglove_msgs/msg/CompressedVideo with the frame's stamp and frame_id.

    :param image: the source frame.
    :param data: one H.264 access unit, Annex B.
    :return: the CDR bytes (little-endian).
    """
    writer = CdrWriter()
    writer.stamp(image.stamp_sec, image.stamp_nanosec)
    writer.string(image.frame_id)
    writer.octets(data)
    writer.string('h264')
    return writer.getvalue()


class VideoEncoder(Protocol):
    """What a stream needs of PyAV's codec context (``av`` has no types of its own)."""

    def encode(self, frame: object) -> Iterable[SupportsBytes]:
        """
        Encode a frame.

        :param frame: a ``VideoFrame``.
        :return: the packets it completes.
        """


class VideoStream:
    """One twin's H.264 encoder, kept from frame to frame; used on one thread."""

    def __init__(self, rate: float, bitrate: int) -> None:
        """
        Prepare a stream; the encoder opens with the first frame, whose size it takes.

        :param rate: frames per second expected (sets one keyframe per second).
        :param bitrate: target bits per second.
        """
        self._rate = rate if rate > 0 else 30.0
        self._bitrate = bitrate
        self._context: Optional[VideoEncoder] = None
        self._size: Optional[tuple[int, int, str]] = None
        self._frames = 0

    def encode(self, cdr: bytes) -> Optional[bytes]:
        """
        Encode one Image's CDR bytes as the CDR bytes of its CompressedVideo.

        Odd widths and heights lose their last column or row (4:2:0 needs even ones).

        :param cdr: the sensor_msgs/msg/Image.
        :return: the CompressedVideo, or None if its encoding is not one the twin carries.
        :raises ImageError: if the frame is malformed.
        """
        import av
        import numpy

        image = parse_image(cdr)
        pixel = PIXEL_FORMATS.get(image.encoding)
        if pixel is None:
            return None
        pixel_format, pixel_bytes = pixel
        need_step(image, pixel_bytes)
        width, height = image.width & ~1, image.height & ~1
        if width < 2 or height < 2:
            raise ImageError(f'{image.width}x{image.height} is too small for a video')
        rows = numpy.frombuffer(image.data, numpy.uint8, count=image.step * image.height)
        pixels = rows.reshape(image.height, image.step)[:height, :width * pixel_bytes]
        shape = (height, width) if pixel_bytes == 1 else (height, width, pixel_bytes)
        frame = av.VideoFrame.from_ndarray(
            numpy.ascontiguousarray(pixels).reshape(shape), format=pixel_format)
        context = self._open(width, height, pixel_format)
        frame.pts = self._frames
        self._frames += 1
        data = b''.join(bytes(packet) for packet in context.encode(frame))
        return compressed_video_cdr(image, data) if data else None

    def _open(self, width: int, height: int, pixel_format: str) -> VideoEncoder:
        # A new size or pixel format starts a new stream, with a keyframe.
        if self._context is not None and self._size == (width, height, pixel_format):
            return self._context
        import av

        self.close()
        context = av.CodecContext.create('libx264', 'w')
        context.width, context.height = width, height
        context.pix_fmt = 'yuv420p'
        context.time_base = fractions.Fraction(1, max(1, round(self._rate)))
        context.framerate = fractions.Fraction(max(1, round(self._rate)), 1)
        context.bit_rate = self._bitrate
        context.gop_size = max(1, round(self._rate))
        context.max_b_frames = 0
        context.options = {'preset': 'ultrafast', 'tune': 'zerolatency', 'annexb': '1',
                           'repeat-headers': '1'}
        context.open()
        self._context, self._size, self._frames = context, (width, height, pixel_format), 0
        return context

    def close(self) -> None:
        """Let the encoder go (the twin's last subscriber left)."""
        self._context = None
        self._size = None
