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
Services: the ROS services advertised to clients, and clients' calls to them.

Each client is told of, and may call, the services its grant lets it see: all of them without
an access file, none for a viewer, and those of its token's ``service_whitelist`` for an
operator whose token has one.

A call is checked here (known service, supported encoding, a call id not already in flight, at
most :data:`MAX_CALLS_PER_CLIENT` in flight) and handed to the ROS side as a
:class:`CallService` effect; the ROS side owns its timeout and answers with :meth:`Services.done`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping, Optional, Sequence

from foxglove_bridge_py import protocol
from foxglove_bridge_py.core.client_session import Capability, ClientSession, Effect

MAX_CALLS_PER_CLIENT = 32
"""Calls one client may have in flight, as the SDK allows; more get "Too many requests"."""


@dataclass(frozen=True)
class CallService:
    """Effect: a client called a service; call it and answer with :meth:`Services.done`."""

    client_id: int
    service: protocol.Service
    call_id: int
    encoding: str
    payload: bytes


class Services(Capability):
    """The advertised services and each client's calls in flight."""

    def __init__(self, sessions: Mapping[int, ClientSession],
                 supported_encodings: Sequence[str]) -> None:
        """
        Serve service calls.

        :param sessions: the hub's clients by id.
        :param supported_encodings: encodings calls may use.
        """
        self._sessions = sessions
        self._encodings = tuple(supported_encodings)
        self.services: dict[int, protocol.Service] = {}
        self._id_by_name: dict[str, int] = {}
        self._next_id = 1
        self._in_flight: dict[int, set[int]] = {}
        self.handlers = {protocol.ServiceCallRequest: Services._on_call}

    def greet(self, session: ClientSession) -> None:
        """
        Advertise the known services to a new client.

        :param session: the client.
        """
        seen = [s for s in self.services.values() if session.grant.sees_service(s.name)]
        if seen:
            session.queue.put_control(protocol.advertise_services(seen))

    def forget(self, session: ClientSession) -> list[Effect]:
        """
        Forget a leaving client's calls: their late answers are dropped.

        :param session: the client.
        :return: no effects.
        """
        self._in_flight.pop(session.client_id, None)
        return []

    def add(self, found: Iterable[protocol.Service]) -> list[protocol.Service]:
        """
        Add services and advertise them to every client; known names are skipped.

        :param found: what the ROS side found, with id 0.
        :return: the services added, with their ids.
        """
        added = []
        for spec in found:
            if spec.name in self._id_by_name:
                continue
            service = replace(spec, id=self._next_id)
            self._next_id += 1
            self.services[service.id] = service
            self._id_by_name[service.name] = service.id
            added.append(service)
        self._to_each(added, protocol.advertise_services)
        return added

    def remove(self, names: Iterable[str]) -> None:
        """
        Remove services and unadvertise them.

        :param names: services that left the graph.
        """
        removed = []
        for name in names:
            service_id = self._id_by_name.pop(name, None)
            if service_id is not None:
                removed.append(self.services.pop(service_id))
        self._to_each(removed, lambda seen: protocol.unadvertise_services([s.id for s in seen]))

    def _to_each(self, services: list[protocol.Service],
                 encode: Callable[[list[protocol.Service]], str]) -> None:
        # One frame, shared by the clients that see every service; its own for the others.
        if not services:
            return
        shared = None
        for session in self._sessions.values():
            seen = [s for s in services if session.grant.sees_service(s.name)]
            if len(seen) == len(services):
                shared = frame = encode(services) if shared is None else shared
            elif seen:
                frame = encode(seen)
            else:
                continue
            session.queue.put_control(frame)

    def done(self, client_id: int, service_id: int, call_id: int, encoding: str,
             payload: Optional[bytes], error: Optional[str] = None) -> None:
        """
        Answer a call: a ServiceCallResponse, or ``serviceCallFailure`` with ``error``.

        A late answer to a call that already failed (timed out) is dropped.

        :param client_id: the calling client.
        :param service_id: the service.
        :param call_id: the call.
        :param encoding: the response's encoding, the request's.
        :param payload: the serialized response, on success.
        :param error: why the call failed.
        """
        session = self._sessions.get(client_id)
        in_flight = self._in_flight.get(client_id)
        if session is None or in_flight is None or call_id not in in_flight:
            return
        in_flight.discard(call_id)
        if error is not None:
            session.queue.put_reply(protocol.service_call_failure(service_id, call_id, error))
        else:
            session.queue.put_reply(protocol.service_call_response(
                service_id, call_id, encoding, payload))

    def _refusal(self, session: ClientSession, in_flight: set[int],
                 message: protocol.ServiceCallRequest) -> Optional[str]:
        service = self.services.get(message.service_id)
        if service is None or not session.grant.sees_service(service.name):
            return f'Unknown service: {message.service_id}'
        if message.encoding not in self._encodings:
            return (f'Unsupported encoding "{message.encoding}" (supported: '
                    f'{", ".join(self._encodings)})')
        if message.call_id in in_flight:
            return f'Call ID {message.call_id} is already in flight'
        if len(in_flight) >= MAX_CALLS_PER_CLIENT:
            return f'Too many requests: {MAX_CALLS_PER_CLIENT} calls are already in flight'
        return None

    def _on_call(self, session: ClientSession, message: protocol.ServiceCallRequest
                 ) -> list[Effect]:
        in_flight = self._in_flight.setdefault(session.client_id, set())
        refusal = self._refusal(session, in_flight, message)
        if refusal is not None:
            session.queue.put_control(protocol.service_call_failure(
                message.service_id, message.call_id, refusal))
            return []
        in_flight.add(message.call_id)
        return [CallService(session.client_id, self.services[message.service_id],
                            message.call_id, message.encoding, bytes(message.payload))]
