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
A point cloud's downsampled twin: sensor_msgs/msg/PointCloud2 CDR in and out, fewer points.

Every k-th point is kept (k the smallest that leaves at most ``max_points``), with every field
as it was: the app colours and places the twin exactly like the raw cloud, only sparser. The
cloud is read straight from its CDR bytes; the selection is one numpy slice, which releases the
GIL, so the caller runs it on a worker thread. An organized cloud (height > 1) comes out as one
row: the rows' padding goes, the points keep their order.
"""

from __future__ import annotations

from dataclasses import dataclass

from foxglove_bridge_py.twins.cdr import CdrError, CdrReader, CdrWriter


class CloudError(CdrError):
    """A cloud that cannot be downsampled; the text says what is wrong with it."""


@dataclass(frozen=True)
class CloudField:
    """A sensor_msgs/msg/PointField."""

    name: str
    offset: int
    datatype: int
    count: int


def downsample_cloud(cdr: bytes, max_points: int) -> bytes:
    """
    Keep at most ``max_points`` points of a PointCloud2, evenly spread, every field kept.

    :param cdr: the serialized sensor_msgs/msg/PointCloud2.
    :param max_points: the most points the twin carries (at least 1).
    :return: the serialized twin, little-endian CDR, with the cloud's header.
    :raises CloudError: if the bytes are not a PointCloud2 or its sizes do not add up.
    """
    import numpy

    try:
        reader = CdrReader(cdr)
        stamp = reader.stamp()
        frame_id = reader.string()
        height, width = reader.u32(), reader.u32()
        fields = [CloudField(reader.string(), reader.u32(), reader.u8(), reader.u32())
                  for _ in range(reader.u32())]
        is_bigendian = reader.u8()
        point_step, row_step = reader.u32(), reader.u32()
        data = reader.take(reader.u32())
        is_dense = reader.u8()
    except CdrError as exc:
        raise CloudError(str(exc)) from None
    if point_step * width > row_step or row_step * height > len(data):
        raise CloudError(f'{width}x{height} points of {point_step} bytes in rows of {row_step} '
                         f'need {row_step * height} bytes of data, the message has {len(data)}')
    points = width * height
    stride = max(1, -(-points // max(1, max_points)))
    rows = numpy.frombuffer(data, dtype=numpy.uint8, count=row_step * height)
    by_point = rows.reshape(height, row_step)[:, :width * point_step].reshape(points,
                                                                              point_step)
    kept = by_point[::stride]
    writer = CdrWriter()
    writer.stamp(*stamp)
    writer.string(frame_id)
    writer.u32(1)
    writer.u32(len(kept))
    writer.u32(len(fields))
    for field in fields:
        writer.string(field.name)
        writer.u32(field.offset)
        writer.u8(field.datatype)
        writer.u32(field.count)
    writer.u8(is_bigendian)
    writer.u32(point_step)
    writer.u32(point_step * len(kept))
    writer.octets(kept.tobytes())
    writer.u8(is_dense)
    return writer.getvalue()
