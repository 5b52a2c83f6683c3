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

"""Downsampled point-cloud twins: PointCloud2 CDR in and out, checked with rclpy."""

import struct

import pytest

pytest.importorskip('numpy')
pytest.importorskip('rclpy')

from foxglove_bridge_py.twins.cloud_codec import CloudError, downsample_cloud  # noqa: E402, I100
from rclpy.serialization import deserialize_message, serialize_message  # noqa: E402
from sensor_msgs.msg import PointCloud2, PointField  # noqa: E402

FIELDS = [PointField(name='x', offset=0, datatype=PointField.FLOAT32, count=1),
          PointField(name='y', offset=4, datatype=PointField.FLOAT32, count=1),
          PointField(name='z', offset=8, datatype=PointField.FLOAT32, count=1),
          PointField(name='intensity', offset=12, datatype=PointField.UINT8, count=1)]
POINT = struct.Struct('<fffB3x')


def cloud(width, height=1, padding=0):
    message = PointCloud2(height=height, width=width, fields=FIELDS, is_bigendian=False,
                          point_step=POINT.size, is_dense=True)
    message.header.frame_id = 'lidar'
    message.header.stamp.sec, message.header.stamp.nanosec = 42, 7
    message.row_step = width * POINT.size + padding
    message.data = b''.join(
        b''.join(POINT.pack(float(row * width + i), 0.5, -1.0, (row * width + i) % 256)
                 for i in range(width)) + bytes(padding) for row in range(height))
    return serialize_message(message)


def xs(twin):
    return [POINT.unpack_from(bytes(twin.data), i * POINT.size)[0] for i in range(twin.width)]


def test_every_kth_point_is_kept_with_every_field_and_the_header():
    twin = deserialize_message(downsample_cloud(cloud(1000), 100), PointCloud2)
    assert (twin.header.frame_id, twin.header.stamp.sec, twin.header.stamp.nanosec) == (
        'lidar', 42, 7)
    assert (twin.height, twin.width, twin.point_step, twin.row_step) == (1, 100, 16, 1600)
    assert [(f.name, f.offset, f.datatype, f.count) for f in twin.fields] == [
        (f.name, f.offset, f.datatype, f.count) for f in FIELDS]
    assert xs(twin) == [float(i) for i in range(0, 1000, 10)]
    assert POINT.unpack_from(bytes(twin.data), 16 * 3)[1:] == (0.5, -1.0, 30)


def test_at_most_max_points_whatever_the_ratio():
    for points, cap, kept in ((1001, 100, 91), (99, 100, 99), (7, 1, 1), (100_000, 333, 333)):
        twin = deserialize_message(downsample_cloud(cloud(points), cap), PointCloud2)
        assert twin.width == kept <= cap


def test_an_organized_cloud_with_padded_rows_becomes_one_row():
    twin = deserialize_message(downsample_cloud(cloud(8, height=4, padding=5), 16),
                               PointCloud2)
    assert (twin.height, twin.width) == (1, 16)
    assert xs(twin) == [float(i) for i in range(0, 32, 2)]


@pytest.mark.parametrize('cdr, text', [
    (cloud(10)[:-60], 'shorter than its fields say'),
    (b'\x00\x09\x00\x00', 'not CDR data'),
])
def test_malformed_clouds_are_errors_that_say_what_is_wrong(cdr, text):
    with pytest.raises(CloudError, match=text):
        downsample_cloud(cdr, 10)


def test_sizes_that_do_not_add_up_are_named():
    message = deserialize_message(cloud(10), PointCloud2)
    message.width = 20
    with pytest.raises(CloudError, match='20x1 points of 16 bytes in rows of 160'):
        downsample_cloud(serialize_message(message), 10)
