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

"""The demo publisher: what a newcomer's first look in the app shows."""

from bridge_harness import wait_for
import pytest

pytest.importorskip('rclpy')

from foxglove_bridge_py import demo  # noqa: E402, I100
from sensor_msgs.msg import PointCloud2  # noqa: E402
from visualization_msgs.msg import MarkerArray  # noqa: E402


def test_cloud_and_markers_can_be_shown_together(ros_context, helper_node):
    frames = {}
    subscriptions = [
        helper_node.create_subscription(PointCloud2, '/points', lambda m: frames.setdefault(
            'cloud', m.header.frame_id), 5),
        helper_node.create_subscription(MarkerArray, '/markers', lambda m: frames.setdefault(
            'markers', {marker.header.frame_id for marker in m.markers}), 5)]
    publisher = demo.DemoPublisher(context=ros_context)

    def published_until_both_arrived():
        publisher._publish_cloud()
        publisher._publish_markers()
        return len(frames) == 2

    try:
        wait_for(published_until_both_arrived, what='a cloud and markers')
        assert frames['markers'] == {demo.MARKER_FRAME}
        if demo.TFMessage is None:
            # No TF to relate two frames: the 3D panel shows both only in one frame.
            assert frames['cloud'] == demo.MARKER_FRAME
        else:
            assert frames['cloud'] == 'lidar'
    finally:
        publisher.destroy_node()
        for subscription in subscriptions:
            helper_node.destroy_subscription(subscription)
