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
Remote access without an inbound port: the robot dials out over Zenoh to a relay.

``wire`` is the pure vocabulary both ends speak on Zenoh (key expressions, frame packing, the
channel table); ``link`` opens the Zenoh session with the settings both ends need; ``uplink``
is the robot's side, serving the relay's viewers from the bridge's hub; ``relayed_robot`` and
``main`` are the relay (``foxglove_relay``), which serves each robot at ``ws://relay/<name>``
and needs no ROS.
"""
