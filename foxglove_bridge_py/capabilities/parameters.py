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
Parameters: get and set the parameters of ROS nodes, and push changes to subscribed clients.

Reads and writes are effects for the ROS side (:class:`GetParams`, :class:`SetParams`), answered
with :meth:`Parameters.values`; changes seen on /parameter_events reach the clients subscribed to
them through :meth:`Parameters.updates`. A client whose token has a ``param_whitelist`` neither
reads, sets nor hears of the parameters outside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

from foxglove_bridge_py import protocol
from foxglove_bridge_py.core.client_session import Capability, ClientSession, Effect
from foxglove_bridge_py.protocol import StatusLevel


@dataclass(frozen=True)
class GetParams:
    """Effect: get parameters (all when ``names`` is empty) and answer with ``parameterValues``."""

    client_id: int
    names: tuple[str, ...]
    request_id: Optional[str]


@dataclass(frozen=True)
class SetParams:
    """Effect: set parameters; answer with ``parameterValues`` if the request had an id."""

    client_id: int
    parameters: tuple[protocol.Parameter, ...]
    request_id: Optional[str]


@dataclass
class _Watch:
    everything: bool = False
    names: set = field(default_factory=set)


class Parameters(Capability):
    """Which parameters each client watches, and the answers to its requests."""

    def __init__(self, sessions: Mapping[int, ClientSession]) -> None:
        """
        Serve parameter requests.

        :param sessions: the hub's clients by id.
        """
        self._sessions = sessions
        self._watches: dict[int, _Watch] = {}
        self.handlers = {
            protocol.GetParameters: Parameters._on_get,
            protocol.SetParameters: Parameters._on_set,
            protocol.SubscribeParameterUpdates: Parameters._on_subscribe,
            protocol.UnsubscribeParameterUpdates: Parameters._on_unsubscribe,
        }

    def forget(self, session: ClientSession) -> list[Effect]:
        """
        Stop pushing updates to a client that left.

        :param session: the client.
        :return: no effects.
        """
        self._watches.pop(session.client_id, None)
        return []

    def values(self, client_id: int, parameters: Sequence[protocol.Parameter],
               request_id: Optional[str]) -> None:
        """
        Answer a client's get or set with ``parameterValues``.

        :param client_id: the client.
        :param parameters: the parameters.
        :param request_id: the request's id, if it had one.
        """
        session = self._sessions.get(client_id)
        if session is not None:
            seen = [p for p in parameters if session.grant.sees_parameter(p.name)]
            session.queue.put_control(protocol.parameter_values(seen, request_id))

    def problem(self, client_id: int, message: str) -> None:
        """
        Tell a client that part of its request failed.

        :param client_id: the client.
        :param message: what failed and why.
        """
        session = self._sessions.get(client_id)
        if session is not None:
            session.send_status(StatusLevel.WARNING, message)

    def updates(self, parameters: Sequence[protocol.Parameter]) -> None:
        """
        Push changed parameters to the clients subscribed to them (by node and name).

        :param parameters: what changed; unset ones have no value.
        """
        for client_id, watch in self._watches.items():
            session = self._sessions.get(client_id)
            if session is None:
                continue
            wanted = [p for p in parameters if (watch.everything or p.name in watch.names)
                      and session.grant.sees_parameter(p.name)]
            if wanted:
                session.queue.put_control(protocol.parameter_values(wanted))

    def _on_get(self, session: ClientSession, message: protocol.GetParameters) -> list[Effect]:
        names = tuple(n for n in message.names if session.grant.sees_parameter(n))
        if message.names and not names:
            # Nothing it may read: answered here, without asking ROS (empty names mean all).
            self.values(session.client_id, [], message.request_id)
            return []
        return [GetParams(session.client_id, names, message.request_id)]

    def _on_set(self, session: ClientSession, message: protocol.SetParameters) -> list[Effect]:
        grant = session.grant
        allowed = tuple(p for p in message.parameters if grant.sees_parameter(p.name))
        if len(allowed) < len(message.parameters):
            hidden = [p.name for p in message.parameters if not grant.sees_parameter(p.name)]
            more = f' and {len(hidden) - 5} more' if len(hidden) > 5 else ''
            session.send_status(StatusLevel.ERROR, f'setParameters refused for '
                                f'{", ".join(hidden[:5])}{more}: not in the param_whitelist '
                                f'of {grant.who}')
        if not allowed:
            if message.request_id is not None:
                self.values(session.client_id, [], message.request_id)
            return []
        return [SetParams(session.client_id, allowed, message.request_id)]

    def _on_subscribe(self, session: ClientSession,
                      message: protocol.SubscribeParameterUpdates) -> list[Effect]:
        watch = self._watches.setdefault(session.client_id, _Watch())
        if not message.names:
            watch.everything = True
        watch.names.update(message.names)
        return []

    def _on_unsubscribe(self, session: ClientSession,
                        message: protocol.UnsubscribeParameterUpdates) -> list[Effect]:
        watch = self._watches.get(session.client_id)
        if watch is None:
            return []
        if not message.names:
            watch.everything = False
            watch.names.clear()
        watch.names.difference_update(message.names)
        return []
