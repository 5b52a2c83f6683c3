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
What the ROS graph tells the core when topics and services come and go.

The ROS side (``ros.graph``) builds it and the core reads it; neither has to import the other
to share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from foxglove_bridge_py.protocol import Channel, Service


@dataclass(frozen=True)
class GraphChange:
    """What appeared in and left the ROS graph since the last poll."""

    added_channels: list[Channel] = field(default_factory=list)
    removed_channels: list[tuple[str, str]] = field(default_factory=list)
    added_services: list[Service] = field(default_factory=list)
    removed_services: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        """
        Tell whether anything changed.

        :return: True if anything was added or removed.
        """
        return bool(self.added_channels or self.removed_channels or self.added_services
                    or self.removed_services)
