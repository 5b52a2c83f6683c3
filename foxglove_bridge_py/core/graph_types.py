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
What the ROS graph tells the protocol core, in types both sides import.

The ROS side (``ros_graph``) builds these and the core's capabilities read them; neither has
to import the other to share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from foxglove_bridge_py import protocol
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


@dataclass(frozen=True)
class ConnectionGraph:
    """Who publishes, subscribes to and provides what: name to the ids of nodes."""

    published: dict = field(default_factory=dict)
    subscribed: dict = field(default_factory=dict)
    services: dict = field(default_factory=dict)

    def diff(self, new: ConnectionGraph) -> Optional[str]:
        """
        Encode what changed from this graph to ``new`` as a ``connectionGraphUpdate``.

        A topic is removed only when it has neither publishers nor subscribers left; one that
        lost all its publishers but has subscribers is sent with empty ``publisherIds``.

        :param new: the graph now.
        :return: the JSON text, or None if nothing changed.
        """
        topics_before = self.published.keys() | self.subscribed.keys()
        topics_now = new.published.keys() | new.subscribed.keys()
        published = _changed(self.published, new.published, topics_now)
        subscribed = _changed(self.subscribed, new.subscribed, topics_now)
        services = {s: ids for s, ids in new.services.items() if self.services.get(s) != ids}
        removed_topics = topics_before - topics_now
        removed_services = self.services.keys() - new.services.keys()
        if not (published or subscribed or services or removed_topics or removed_services):
            return None
        return protocol.connection_graph_update(
            published=published, subscribed=subscribed, services=services,
            removed_topics=removed_topics, removed_services=removed_services)


def _changed(before: dict, now: dict, topics_now: set) -> dict:
    # A topic still in the graph that lost this side entirely is sent with no ids.
    changed = {t: ids for t, ids in now.items() if before.get(t) != ids}
    changed.update({t: () for t in before.keys() - now.keys() if t in topics_now})
    return changed
