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
ROS's rules without rclpy: pure helpers of ROS shape, run on any thread.

What a whitelist or the hidden rule says of a ROS name (:mod:`.names`), the QoS a subscription
takes (:mod:`.qos`), a topic's throttle (:mod:`.throttle`), JSON to and from generated message
classes (:mod:`.message_json`), which files an asset URI may name (:mod:`.asset_files`), and what
becomes of the parameters the node does not use (:mod:`.unused_parameters`). None imports rclpy,
websockets, threading or asyncio, nor any other part but ``protocol``: the caller passes the time,
the patterns, the message class or the package lookup, so each is tested with plain values.
"""
