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

"""Which ROS 2 distribution serverInfo names, with and without ROS_DISTRO."""

from foxglove_bridge_py.ros.distro import distro_of_rclpy_version, ros_distro
import pytest


@pytest.mark.parametrize('version, distro', [
    ('3.3.16', 'humble'), ('4.1.5', 'iron'), ('7.1.6', 'jazzy'), ('9.1.2', 'kilted'),
    ('10.0.0', 'rolling'), ('garbage', '')])
def test_distro_of_rclpy_version(version, distro):
    assert distro_of_rclpy_version(version) == distro


def test_the_variable_wins_then_the_installed_rclpy():
    assert ros_distro({'ROS_DISTRO': 'humble'}, lambda: '9.1.2') == 'humble'
    assert ros_distro({'ROS_DISTRO': ''}, lambda: '9.1.2') == 'kilted'
    assert ros_distro({}, lambda: None) == ''


def test_installed_rclpy_names_this_distro():
    pytest.importorskip('rclpy')
    import os

    expected = os.environ.get('ROS_DISTRO')
    if not expected:
        pytest.skip('ROS_DISTRO is not set here to compare with')
    assert ros_distro({}) == expected
