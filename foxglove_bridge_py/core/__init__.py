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
The core: channels, clients, subscriptions, fan-out and standing statuses, all pure.

:mod:`.hub` owns every channel and connected client and dispatches client ops to the
capabilities registered with it; :mod:`.client_session` is one client as the core and the
capabilities see it; :mod:`.fanout` keeps subscriptions and hands each batch of messages to the
send path; :mod:`.statuses` keeps the statuses that stand until their cause is gone. Nothing here
touches a socket, a thread or ROS.
"""
