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
One module per protocol capability: its ops, its answers, its per-client state, its effects.

A capability module declares each op it answers (the message, how it decodes, the capability
that gates it, whether it changes the robot) as a ``TextOp`` or ``BinaryOp``, encodes its own
answers, and pairs each op with its handler in its :class:`~..core.ops.CapabilityModule`'s
``routes``. Handlers answer through the client's send scheduler and return frozen effects for
the ROS side to carry out. The bridge adds a capability with one line: build it and
``hub.register`` it (``bridge.build_core``); the protocol's capabilities' effects are mapped to
the parts that carry them out in ``Bridge._map_effects``, and a bridge's own capability maps its
own (``CapabilityModule.map_effects``).
"""
