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
Connection graph: who publishes, subscribes to and provides what, for the clients that ask.

A new subscriber gets the whole graph, then only what changed. The ROS side reads the graph only
while someone is subscribed: :class:`WatchGraph` tells it when that starts and stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import enum
from typing import AbstractSet, Iterable, Mapping, Optional

from foxglove_bridge_py import protocol
from foxglove_bridge_py.core.client_session import ClientSession, Effect
from foxglove_bridge_py.core.ops import CapabilityModule, route, TextOp
from foxglove_bridge_py.protocol import encode_json


# --- the ops and the update ---------------------------------------------------------------------

@dataclass(frozen=True)
class SubscribeConnectionGraph:
    """The ``subscribeConnectionGraph`` op."""


@dataclass(frozen=True)
class UnsubscribeConnectionGraph:
    """The ``unsubscribeConnectionGraph`` op."""


SUBSCRIBE = TextOp('subscribeConnectionGraph', lambda m: SubscribeConnectionGraph(),
                   protocol.Capability.CONNECTION_GRAPH.value)
UNSUBSCRIBE = TextOp('unsubscribeConnectionGraph', lambda m: UnsubscribeConnectionGraph(),
                     protocol.Capability.CONNECTION_GRAPH.value)


def connection_graph_update(*, published: Optional[Mapping[str, Iterable[str]]] = None,
                            subscribed: Optional[Mapping[str, Iterable[str]]] = None,
                            services: Optional[Mapping[str, Iterable[str]]] = None,
                            removed_topics: Iterable[str] = (),
                            removed_services: Iterable[str] = ()) -> str:
    """
    Encode ``connectionGraphUpdate``; every field is present, possibly empty.

    :param published: topic name to publisher ids.
    :param subscribed: topic name to subscriber ids.
    :param services: service name to provider ids.
    :param removed_topics: topics no longer in the graph.
    :param removed_services: services no longer in the graph.
    :return: the JSON text.
    """
    return encode_json({
        'op': 'connectionGraphUpdate',
        'publishedTopics': [{'name': n, 'publisherIds': sorted(ids)}
                            for n, ids in sorted((published or {}).items())],
        'subscribedTopics': [{'name': n, 'subscriberIds': sorted(ids)}
                             for n, ids in sorted((subscribed or {}).items())],
        'advertisedServices': [{'name': n, 'providerIds': sorted(ids)}
                               for n, ids in sorted((services or {}).items())],
        'removedTopics': sorted(removed_topics), 'removedServices': sorted(removed_services)})


@dataclass(frozen=True)
class ConnectionGraph:
    """Who publishes, subscribes to and provides what: name to the ids of nodes."""

    published: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    subscribed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    services: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

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
        return connection_graph_update(
            published=published, subscribed=subscribed, services=services,
            removed_topics=removed_topics, removed_services=removed_services)


def _changed(before: Mapping[str, tuple[str, ...]], now: Mapping[str, tuple[str, ...]],
             topics_now: AbstractSet[str]) -> dict[str, tuple[str, ...]]:
    # A topic still in the graph that lost this side entirely is sent with no ids.
    changed = {t: ids for t, ids in now.items() if before.get(t) != ids}
    changed.update({t: () for t in before.keys() - now.keys() if t in topics_now})
    return changed


# --- the capability ------------------------------------------------------------------------------


class GraphInterest(enum.IntEnum):
    """A client's connection-graph subscription."""

    OFF = 0
    WAITING = 1
    """Subscribed, waiting for its full graph."""
    ON = 2
    """Receiving what changed."""


@dataclass(frozen=True)
class WatchGraph(Effect):
    """Effect: read the connection graph now, and keep reading it while ``watched``."""

    watched: bool


class ConnectionGraphUpdates(CapabilityModule):
    """The last graph sent and who wants it."""

    def __init__(self) -> None:
        """Start with no subscriber."""
        self._graph: Optional[ConnectionGraph] = None
        self._interest: dict[ClientSession, GraphInterest] = {}
        self.routes = (route(SUBSCRIBE, self._on_subscribe),
                       route(UNSUBSCRIBE, self._on_unsubscribe))

    def forget(self, session: ClientSession) -> list[Effect]:
        """
        Drop a leaving client's subscription.

        :param session: the client.
        :return: :class:`WatchGraph` off if it was the last subscriber.
        """
        return self._on_unsubscribe(session, None)

    def update(self, graph: ConnectionGraph) -> None:
        """
        Send the graph: in full to clients that just subscribed, else what changed.

        :param graph: the graph now.
        """
        full = ConnectionGraph().diff(graph) or connection_graph_update()
        changes = self._graph.diff(graph) if self._graph is not None else full
        self._graph = graph
        for session, interest in self._interest.items():
            if interest == GraphInterest.WAITING:
                self._interest[session] = GraphInterest.ON
                session.send_queue.put_control(full)
            elif changes is not None:
                session.send_queue.put_control(changes)

    def _on_subscribe(self, session: ClientSession,
                      message: SubscribeConnectionGraph) -> list[Effect]:
        if session in self._interest:
            return []
        self._interest[session] = GraphInterest.WAITING
        return [WatchGraph(True)]

    def _on_unsubscribe(self, session: ClientSession,
                        message: Optional[UnsubscribeConnectionGraph]) -> list[Effect]:
        if self._interest.pop(session, None) is None or self._interest:
            return []
        return [WatchGraph(False)]
