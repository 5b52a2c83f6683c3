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

from dataclasses import dataclass
import enum
from typing import Optional

from foxglove_bridge_py import protocol
from foxglove_bridge_py.core.client_session import Capability, ClientSession, Effect
from foxglove_bridge_py.core.graph_types import ConnectionGraph


class GraphInterest(enum.IntEnum):
    """A client's connection-graph subscription."""

    OFF = 0
    WAITING = 1
    """Subscribed, waiting for its full graph."""
    ON = 2
    """Receiving what changed."""


@dataclass(frozen=True)
class WatchGraph:
    """Effect: read the connection graph now, and keep reading it while ``watched``."""

    watched: bool


class ConnectionGraphUpdates(Capability):
    """The last graph sent and who wants it."""

    def __init__(self) -> None:
        """Start with no subscriber."""
        self._graph: Optional[ConnectionGraph] = None
        self._interest: dict[ClientSession, GraphInterest] = {}
        self.handlers = {
            protocol.SubscribeConnectionGraph: ConnectionGraphUpdates._on_subscribe,
            protocol.UnsubscribeConnectionGraph: ConnectionGraphUpdates._on_unsubscribe,
        }

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
        full = ConnectionGraph().diff(graph) or protocol.connection_graph_update()
        changes = self._graph.diff(graph) if self._graph is not None else full
        self._graph = graph
        for session, interest in self._interest.items():
            if interest == GraphInterest.WAITING:
                self._interest[session] = GraphInterest.ON
                session.queue.put_control(full)
            elif changes is not None:
                session.queue.put_control(changes)

    def _on_subscribe(self, session: ClientSession,
                      message: protocol.SubscribeConnectionGraph) -> list[Effect]:
        if session in self._interest:
            return []
        self._interest[session] = GraphInterest.WAITING
        return [WatchGraph(True)]

    def _on_unsubscribe(self, session: ClientSession,
                        message: Optional[protocol.UnsubscribeConnectionGraph]) -> list[Effect]:
        if self._interest.pop(session, None) is None or self._interest:
            return []
        return [WatchGraph(False)]
