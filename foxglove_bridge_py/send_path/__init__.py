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
The send path: what each client is sent, in which order, and what is dropped.

One :class:`~.send_queue.SendQueue` per client, pure, which owns its counters and every rule:
data per channel taken in turn by bytes within the client's bounds (newest wins, twins keep one
frame waiting, stale data goes unsent), control frames never dropped. It composes the helpers
of the other modules: the control frames' budget (:mod:`.control_queue`), the link speed it
learns (:mod:`.link_meter`) and what it tells the client of drops (:mod:`.drop_report`). Small
messages are framed once for clients alike (:mod:`.frame_block`).
"""
