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

import base64
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional, Sequence

from foxglove_bridge_py import protocol
from foxglove_bridge_py.core.client_session import Audited, ClientSession, Effect
from foxglove_bridge_py.core.ops import CapabilityModule, route, TextOp
from foxglove_bridge_py.protocol import encode_json, JsonObject, ProtocolError, StatusLevel


AUDITED_NAMES = 10
"""Parameter names given in one audit line; the rest are counted."""


# --- the ops and the answer ---------------------------------------------------------------------

@dataclass(frozen=True)
class Parameter:
    """A parameter as the protocol carries it; ``value`` None means unset."""

    name: str
    value: object = None
    type: Optional[str] = None  # noqa: A003 - the wire format's name


@dataclass(frozen=True)
class GetParameters:
    """The ``getParameters`` op."""

    names: tuple[str, ...]
    request_id: Optional[str]


@dataclass(frozen=True)
class SetParameters:
    """The ``setParameters`` op."""

    parameters: tuple[Parameter, ...]
    request_id: Optional[str]


@dataclass(frozen=True)
class SubscribeParameterUpdates:
    """The ``subscribeParameterUpdates`` op."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class UnsubscribeParameterUpdates:
    """The ``unsubscribeParameterUpdates`` op."""

    names: tuple[str, ...]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _float64(value: object, where: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ProtocolError(f'{where} must be a number for type float64')
    return float(value)


def _float64_array(value: object, where: str) -> list[float]:
    items = protocol.array(value, where)
    numbers = [v for v in items if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) < len(items):
        raise ProtocolError(f'{where} must be an array of numbers for type float64_array')
    return [float(v) for v in numbers]


def _byte_array(value: object, where: str) -> bytes:
    try:
        return base64.b64decode(protocol.string(value, where), validate=True)
    except ValueError:
        raise ProtocolError(f'{where} is not valid base64') from None


_TYPED_VALUES: Mapping[str, Callable[[object, str], object]] = {
    'float64': _float64, 'float64_array': _float64_array, 'byte_array': _byte_array}
"""How a parameter value with a ``type`` hint is read and checked."""


def _decode_parameter(item: object, where: str) -> Parameter:
    entry = protocol.json_object(item, where)
    unknown = set(entry) - {'name', 'value', 'type'}
    if unknown:
        raise ProtocolError(f'{where}: unknown field "{sorted(unknown)[0]}"')
    name = protocol.string(protocol.field(entry, 'name', where), f'{where}.name')
    type_hint = protocol.optional_string(entry, 'type', where)
    value = entry.get('value')
    if type_hint is None:
        if isinstance(value, list) and value and all(map(_is_number, value)) and any(
                isinstance(v, float) for v in value):
            value = [float(v) for v in value]
            type_hint = 'float64_array'
    elif type_hint not in _TYPED_VALUES:
        raise ProtocolError(f'{where}.type must be byte_array, float64 or float64_array, '
                            f'got {type_hint!r}')
    elif value is not None:
        value = _TYPED_VALUES[type_hint](value, f'{where}.value')
    return Parameter(name, value, type_hint)


def _as_bytes(value: object) -> bytes:
    # A byte_array as ROS gives it (bytes, or a list of small integers) or a client set it.
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, (list, tuple)):
        return bytes(v for v in value if isinstance(v, int))
    return b''


def _decode_get(message: JsonObject) -> GetParameters:
    return GetParameters(protocol.string_list(message, 'parameterNames', 'getParameters'),
                         protocol.optional_string(message, 'id', 'getParameters'))


def _decode_set(message: JsonObject) -> SetParameters:
    entries = protocol.array(protocol.field(message, 'parameters', 'setParameters'),
                             'setParameters.parameters')
    parameters = tuple(_decode_parameter(e, f'setParameters.parameters[{i}]')
                       for i, e in enumerate(entries))
    return SetParameters(parameters, protocol.optional_string(message, 'id', 'setParameters'))


def parameter_values(parameters: Sequence[Parameter], request_id: Optional[str] = None) -> str:
    """
    Encode ``parameterValues``; a parameter without a value is sent without ``value``.

    :param parameters: the parameters.
    :param request_id: the id of the get or set request answered, if any.
    :return: the JSON text.
    """
    entries = []
    for parameter in parameters:
        entry: dict[str, object] = {'name': parameter.name}
        if parameter.value is not None:
            value = parameter.value
            if parameter.type == 'byte_array':
                value = base64.b64encode(_as_bytes(value)).decode()
            entry['value'] = value
        if parameter.type is not None:
            entry['type'] = parameter.type
        entries.append(entry)
    message: dict[str, object] = {'op': 'parameterValues', 'parameters': entries}
    if request_id is not None:
        message['id'] = request_id
    return encode_json(message)


GET = TextOp('getParameters', _decode_get, protocol.Capability.PARAMETERS.value)
SET = TextOp('setParameters', _decode_set, protocol.Capability.PARAMETERS.value, acts=True)
SUBSCRIBE = TextOp('subscribeParameterUpdates', lambda m: SubscribeParameterUpdates(
    protocol.string_list(m, 'parameterNames', 'subscribeParameterUpdates')),
    protocol.Capability.PARAMETERS_SUBSCRIBE.value)
UNSUBSCRIBE = TextOp('unsubscribeParameterUpdates', lambda m: UnsubscribeParameterUpdates(
    protocol.string_list(m, 'parameterNames', 'unsubscribeParameterUpdates')),
    protocol.Capability.PARAMETERS_SUBSCRIBE.value)


# --- effects and the capability -----------------------------------------------------------------


@dataclass(frozen=True)
class GetParams(Effect):
    """Effect: get parameters (all when ``names`` is empty) and answer with ``parameterValues``."""

    client_id: int
    names: tuple[str, ...]
    request_id: Optional[str]


@dataclass(frozen=True)
class SetParams(Audited):
    """Effect: set parameters; answer with ``parameterValues`` if the request had an id."""

    client_id: int
    parameters: tuple[Parameter, ...]
    request_id: Optional[str]

    def audit(self) -> str:
        """
        Say which parameters were set, the first :data:`AUDITED_NAMES` by name.

        :return: the words for the audit trail.
        """
        names = [p.name for p in self.parameters]
        shown = ', '.join(names[:AUDITED_NAMES])
        more = len(names) - AUDITED_NAMES
        return f'set parameters {shown}' + (f' and {more} more' if more > 0 else '')


@dataclass
class _Watch:
    everything: bool = False
    names: set = field(default_factory=set)


class Parameters(CapabilityModule):
    """Which parameters each client watches, and the answers to its requests."""

    def __init__(self, sessions: Mapping[int, ClientSession]) -> None:
        """
        Serve parameter requests.

        :param sessions: the hub's clients by id.
        """
        self._sessions = sessions
        self._watches: dict[int, _Watch] = {}
        self.routes = (route(GET, self._on_get), route(SET, self._on_set),
                       route(SUBSCRIBE, self._on_subscribe),
                       route(UNSUBSCRIBE, self._on_unsubscribe))

    def forget(self, session: ClientSession) -> list[Effect]:
        """
        Stop pushing updates to a client that left.

        :param session: the client.
        :return: no effects.
        """
        self._watches.pop(session.client_id, None)
        return []

    def values(self, client_id: int, parameters: Sequence[Parameter],
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
            session.send_queue.put_control(parameter_values(seen, request_id))

    def problem(self, client_id: int, message: str) -> None:
        """
        Tell a client that part of its request failed.

        :param client_id: the client.
        :param message: what failed and why.
        """
        session = self._sessions.get(client_id)
        if session is not None:
            session.send_status(StatusLevel.WARNING, message)

    def updates(self, parameters: Sequence[Parameter]) -> None:
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
                session.send_queue.put_control(parameter_values(wanted))

    def _on_get(self, session: ClientSession, message: GetParameters) -> list[Effect]:
        names = tuple(n for n in message.names if session.grant.sees_parameter(n))
        if message.names and not names:
            # Nothing it may read: answered here, without asking ROS (empty names mean all).
            self.values(session.client_id, [], message.request_id)
            return []
        return [GetParams(session.client_id, names, message.request_id)]

    def _on_set(self, session: ClientSession, message: SetParameters) -> list[Effect]:
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
                      message: SubscribeParameterUpdates) -> list[Effect]:
        watch = self._watches.setdefault(session.client_id, _Watch())
        if not message.names:
            watch.everything = True
        watch.names.update(message.names)
        return []

    def _on_unsubscribe(self, session: ClientSession,
                        message: UnsubscribeParameterUpdates) -> list[Effect]:
        watch = self._watches.get(session.client_id)
        if watch is None:
            return []
        if not message.names:
            watch.everything = False
            watch.names.clear()
        watch.names.difference_update(message.names)
        return []
