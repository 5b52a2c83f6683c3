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
The threads, every hop between them and every lock; no other part imports ``threading``.

``ros_and_loop`` holds the ROS executor thread and the asyncio loop (``Threads``); ``zenoh_side``
the third family, Zenoh's callback threads and the thread that makes its blocking puts, which
the relay runs without ROS. This file imports nothing, so that the relay can use its part.
"""
