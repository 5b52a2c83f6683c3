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
import struct
from typing import Iterable, Mapping, Optional, Sequence

from foxglove_bridge_py import protocol
from foxglove_bridge_py.access.grant import Grant
from foxglove_bridge_py.core.client_session import Audited, ClientSession, Effect, send_to_each
from foxglove_bridge_py.core.graph_types import GraphChange
from foxglove_bridge_py.core.ops import BinaryOp, CapabilityModule, route
from foxglove_bridge_py.protocol import (ClientBinaryOpcode, encode_json, ProtocolError,
                                         ServerBinaryOpcode, Service)

MAX_CALLS_PER_CLIENT = 32
"""Calls one client may have in flight, as the SDK allows; more get "Too many requests"."""
SERVICE_CALL_HEADER = struct.Struct('<BIII')
"""ServiceCallRequest and ServiceCallResponse: opcode, service id, call id, encoding length;
the encoding and the payload follow."""


# --- the op and the answers ---------------------------------------------------------------------

@dataclass(frozen=True)
class ServiceCallRequest:
    """Binary ServiceCallRequest."""

    service_id: int
    call_id: int
    encoding: str
    payload: memoryview


def _decode_call(view: memoryview) -> ServiceCallRequest:
    if len(view) < SERVICE_CALL_HEADER.size:
        raise ProtocolError('Invalid message: ServiceCallRequest buffer too short')
    _, service_id, call_id, enc_len = SERVICE_CALL_HEADER.unpack_from(view)
    start = SERVICE_CALL_HEADER.size
    if len(view) < start + enc_len:
        raise ProtocolError('Invalid message: ServiceCallRequest encoding length exceeds '
                            'the buffer')
    encoding = protocol.utf8(view[start:start + enc_len], 'ServiceCallRequest encoding')
    return ServiceCallRequest(service_id, call_id, encoding, view[start + enc_len:])


def service_call_response(service_id: int, call_id: int, encoding: str, payload: bytes) -> bytes:
    """
    Encode a ServiceCallResponse frame.

    :param service_id: the service's id.
    :param call_id: the id of the call being answered.
    :param encoding: the payload's encoding.
    :param payload: the serialized response.
    :return: the frame.
    """
    enc = encoding.encode()
    return SERVICE_CALL_HEADER.pack(ServerBinaryOpcode.SERVICE_CALL_RESPONSE, service_id,
                                    call_id, len(enc)) + enc + payload


def service_call_failure(service_id: int, call_id: int, message: str) -> str:
    """
    Encode ``serviceCallFailure``.

    :param service_id: the service called.
    :param call_id: the failed call.
    :param message: why it failed.
    :return: the JSON text.
    """
    return encode_json({'op': 'serviceCallFailure', 'serviceId': service_id, 'callId': call_id,
                        'message': message})


def advertise_services(services: Sequence[Service]) -> str:
    """
    Encode ``advertiseServices``.

    :param services: the services to announce.
    :return: the JSON text.
    """
    return encode_json({'op': 'advertiseServices', 'services': [s.to_json() for s in services]})


def unadvertise_services(service_ids: Sequence[int]) -> str:
    """
    Encode ``unadvertiseServices``.

    :param service_ids: ids of services that are gone.
    :return: the JSON text.
    """
    return encode_json({'op': 'unadvertiseServices', 'serviceIds': list(service_ids)})


CALL = BinaryOp('serviceCallRequest', ClientBinaryOpcode.SERVICE_CALL_REQUEST, _decode_call,
                protocol.Capability.SERVICES.value, acts=True,
                answer_refusal=lambda call, reason: service_call_failure(
                    call.service_id, call.call_id, reason))
"""A refused call is answered as a failed call, so that the app's call does not wait."""


# --- effects and the capability -----------------------------------------------------------------


@dataclass(frozen=True)
class CallService(Audited):
    """Effect: a client called a service; call it and answer with :meth:`Services.done`."""

    client_id: int
    service: Service
    call_id: int
    encoding: str
    payload: bytes

    def audit(self) -> str:
        """
        Say which service was called.

        :return: the words for the audit trail.
        """
        return f'called service {self.service.name} ({self.service.type})'


class Services(CapabilityModule):
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
        self.services: dict[int, Service] = {}
        self._id_by_name: dict[str, int] = {}
        self._next_id = 1
        self._in_flight: dict[int, set[int]] = {}
        self.routes = (route(CALL, self._on_call),)

    def greet(self, session: ClientSession) -> None:
        """
        Advertise the known services to a new client.

        :param session: the client.
        """
        seen = [s for s in self.services.values() if session.grant.sees_service(s.name)]
        if seen:
            session.send_queue.put_control(advertise_services(seen))

    def forget(self, session: ClientSession) -> list[Effect]:
        """
        Forget a leaving client's calls: their late answers are dropped.

        :param session: the client.
        :return: no effects.
        """
        self._in_flight.pop(session.client_id, None)
        return []

    def add(self, found: Iterable[Service]) -> list[Service]:
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
        send_to_each(self._sessions.values(), added, _sees_service, _advertise)
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
        send_to_each(self._sessions.values(), removed, _sees_service, _unadvertise)

    def graph_changed(self, change: GraphChange) -> None:
        """
        Follow the services that came and went in the graph.

        :param change: the change.
        """
        self.remove(change.removed_services)
        self.add(change.added_services)

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
            session.send_queue.put_reply(service_call_failure(service_id, call_id, error))
        else:
            session.send_queue.put_reply(service_call_response(
                service_id, call_id, encoding, payload if payload is not None else b''))

    def _refusal(self, session: ClientSession, in_flight: set[int],
                 message: ServiceCallRequest) -> Optional[str]:
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

    def _on_call(self, session: ClientSession, message: ServiceCallRequest
                 ) -> list[Effect]:
        in_flight = self._in_flight.setdefault(session.client_id, set())
        refusal = self._refusal(session, in_flight, message)
        if refusal is not None:
            session.send_queue.put_control(service_call_failure(
                message.service_id, message.call_id, refusal))
            return []
        in_flight.add(message.call_id)
        return [CallService(session.client_id, self.services[message.service_id],
                            message.call_id, message.encoding, bytes(message.payload))]


def _sees_service(grant: Grant, service: Service) -> bool:
    return grant.sees_service(service.name)


def _advertise(services: list[Service]) -> list[str]:
    return [advertise_services(services)]


def _unadvertise(services: list[Service]) -> list[str]:
    return [unadvertise_services([s.id for s in services])]
