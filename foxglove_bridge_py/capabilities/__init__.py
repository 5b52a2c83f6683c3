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
One module per protocol capability, each a pure handler registered with ``Hub.register``.

A capability module names the ops it handles (``handlers``, ``sliced_handlers``), keeps its
per-client state keyed by client id, answers through the client's send scheduler, and returns
frozen effects for the bridge to carry out on the ROS side. The bridge adds one capability with
one line: build it, ``hub.register`` it, and map its effects to what carries them out.
"""
