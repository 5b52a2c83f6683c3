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
An op as a capability declares it: its name, how it decodes, what gates it, who may send it.

A capability module declares each op it answers once, at module level (a :class:`TextOp` for a
JSON op, a :class:`BinaryOp` for a binary one), and pairs it with its handler in :func:`route`
or :func:`sliced_route`; :meth:`Hub.register` adds the routes to the hub's dispatch table. An op
exists for the hub only as a route, so there is no op without its handler, and every op names
the capability that gates it (``None`` only for the core's own subscribe and unsubscribe).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import (Callable, Generic, Iterator, Optional, Sequence, TYPE_CHECKING, TypeVar,
                    Union)

from foxglove_bridge_py.core.client_session import ClientSession, Effect, TextOrBinary
from foxglove_bridge_py.core.effect_table import EffectTable
from foxglove_bridge_py.core.graph_types import GraphChange
from foxglove_bridge_py.core.refusals import Refusals
from foxglove_bridge_py.protocol import JsonObject, ProtocolError, StatusLevel

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

REQUEST_SLICE = 2000
"""Entries of one request handled before other clients get a turn: no request holds the loop."""

Decoded = TypeVar('Decoded')
"""An op's message as its decoder makes it (a dataclass of the capability's)."""
Sliced = TypeVar('Sliced', bound='DataclassInstance')
"""A message whose entries are handled in slices: a dataclass, copied with one slice each."""
Body = Union[JsonObject, memoryview]
"""A client op before decoding: the JSON object (``op`` included), or the binary frame."""
Refuse = Callable[[ClientSession, 'Route'], Optional[str]]
"""Why a client may not send a route's op (its role, a capability not offered), or None."""
DecodeAndHandle = Callable[[ClientSession, Body, 'Route', Refuse], Iterator[list[Effect]]]
"""A route's way from a body to its effects, the message type erased: decode, check, handle."""


@dataclass(frozen=True)
class TextOp(Generic[Decoded]):
    """A JSON op: ``{"op": name, ...}``."""

    name: str
    decode: Callable[[JsonObject], Decoded]
    """Validate every field; raise :class:`ProtocolError` naming the first wrong one."""
    gate: Optional[str]
    """The capability the server must offer before a client may send it (a
    :class:`~foxglove_bridge_py.protocol.Capability` value, or a capability of a bridge's own)."""
    acts: bool = False
    """It changes the robot: refused to a viewer."""
    answer_refusal: Optional[Callable[[Decoded, str], TextOrBinary]] = None
    """How a refused request is answered, when not by an error status (a failed call)."""


@dataclass(frozen=True)
class BinaryOp(Generic[Decoded]):
    """A binary op: a frame whose first byte is ``opcode``."""

    name: str
    opcode: int
    decode: Callable[[memoryview], Decoded]
    """Validate the frame (opcode byte included); raise :class:`ProtocolError`."""
    gate: Optional[str]
    acts: bool = False
    answer_refusal: Optional[Callable[[Decoded, str], TextOrBinary]] = None


Op = Union[TextOp[Decoded], BinaryOp[Decoded]]
Handler = Callable[[ClientSession, Decoded], list[Effect]]
SlicedHandler = Callable[[ClientSession, Decoded, Refusals], list[Effect]]


@dataclass(frozen=True)
class Route:
    """An op paired with its handler, the message type erased: what the hub dispatches on."""

    name: str
    opcode: Optional[int]
    """The binary opcode; None for a JSON op."""
    gate: Optional[str]
    acts: bool
    decode_and_handle: DecodeAndHandle
    """Decode, check, handle: a bound method of :class:`WholeMessage` or :class:`InSlices`."""

    def run(self, session: ClientSession, body: Body, refuse: Refuse
            ) -> Iterator[list[Effect]]:
        """
        Decode the op, refuse it or handle it: yields the effects of each slice.

        :param session: the sending client.
        :param body: the JSON object or the binary frame.
        :param refuse: says why the client may not send this route's op, or None.
        :return: the effects of each slice.
        """
        return self.decode_and_handle(session, body, self, refuse)

    def acting(self, acts: bool = True) -> Route:
        """
        Return this route with its op refused to viewers, or not.

        :param acts: whether the op changes the robot (playback that publishes into ROS).
        :return: the route.
        """
        return replace(self, acts=acts)


def route(op: Op[Decoded], handler: Handler[Decoded]) -> Route:
    """
    Pair an op with the handler that answers it.

    :param op: the op, as its capability module declares it.
    :param handler: takes the client and the decoded message, returns effects.
    :return: the route for :meth:`Hub.register`.
    """
    return _route(op, WholeMessage(op, handler).decode_and_handle)


def sliced_route(op: Op[Sliced], entries: str, handler: SlicedHandler[Sliced]) -> Route:
    """
    Pair an op whose message holds many entries with a handler that takes a slice at a time.

    The entries are handled :data:`REQUEST_SLICE` at a time, the caller yielding between
    slices; the entries refused are reported in one status per reason after the last.

    :param op: the op.
    :param entries: the message's field holding the entries (a tuple).
    :param handler: takes the client, a message with one slice of the entries, and the
        refusals to add to.
    :return: the route.
    """
    return _route(op, InSlices(op, entries, handler).decode_and_handle)


def _route(op: Op[Decoded], decode_and_handle: DecodeAndHandle) -> Route:
    return Route(op.name, op.opcode if isinstance(op, BinaryOp) else None, op.gate, op.acts,
                 decode_and_handle)


class _Handled(Generic[Decoded]):
    """What every way of handling shares: the decoding, and the answer to a refusal."""

    def __init__(self, op: Op[Decoded]) -> None:
        """
        Handle one op.

        :param op: the op.
        """
        self.op = op

    def decode_and_handle(self, session: ClientSession, body: Body, op_route: Route,
                          refuse: Refuse) -> Iterator[list[Effect]]:
        """
        Decode the body, ask whether the client may send it, and handle it.

        :param session: the sending client.
        :param body: the JSON object or the binary frame.
        :param op_route: the route being run (what ``refuse`` is asked about).
        :param refuse: says why the client may not send it, or None.
        :return: the effects of each slice.
        """
        try:
            message = decode(self.op, body)
        except ProtocolError as exc:
            session.send_status(StatusLevel.ERROR, str(exc))
            return
        reason = refuse(session, op_route)
        if reason is None:
            yield from self.handle(session, message)
        elif self.op.answer_refusal is not None:
            session.send_queue.put_control(self.op.answer_refusal(message, reason))
        else:
            session.send_status(StatusLevel.ERROR, reason)

    def handle(self, session: ClientSession, message: Decoded) -> Iterator[list[Effect]]:
        """
        Hand a decoded message the client may send to the capability's handler.

        :param session: the sending client.
        :param message: the message.
        :return: the effects of each slice.
        """
        raise NotImplementedError


class WholeMessage(_Handled[Decoded]):
    """An op handled in one call."""

    def __init__(self, op: Op[Decoded], handler: Handler[Decoded]) -> None:
        """
        Handle an op with one call of its handler.

        :param op: the op.
        :param handler: takes the client and the message, returns effects.
        """
        super().__init__(op)
        self.handler = handler

    def handle(self, session: ClientSession, message: Decoded) -> Iterator[list[Effect]]:
        """
        Hand the message to the handler.

        :param session: the sending client.
        :param message: the message.
        :return: its effects, as one slice.
        """
        yield self.handler(session, message)


class InSlices(_Handled[Sliced]):
    """An op whose entries are handled :data:`REQUEST_SLICE` at a time."""

    def __init__(self, op: Op[Sliced], entries: str, handler: SlicedHandler[Sliced]) -> None:
        """
        Handle an op's entries a slice at a time.

        :param op: the op.
        :param entries: the message's field holding the entries (a tuple).
        :param handler: takes the client, a message with one slice, and the refusals.
        """
        super().__init__(op)
        self.entries = entries
        self.handler = handler

    def handle(self, session: ClientSession, message: Sliced) -> Iterator[list[Effect]]:
        """
        Hand the handler one slice of the entries at a time; report the refusals after.

        :param session: the sending client.
        :param message: the message with all its entries.
        :return: the effects of each slice.
        """
        every: Sequence[object] = getattr(message, self.entries)
        refusals = Refusals()
        for start in range(0, max(1, len(every)), REQUEST_SLICE):
            part = replace(message, **{self.entries: every[start:start + REQUEST_SLICE]})
            yield self.handler(session, part, refusals)
        refusals.report(session.send_status)


def decode(op: Op[Decoded], body: Body) -> Decoded:
    """
    Decode an op's body as the hub does.

    A JSON op's errors are prefixed ``Invalid message:`` as the SDK prefixes them; a binary
    op's decoder words its own.

    :param op: the op.
    :param body: the JSON object or the binary frame.
    :return: the message.
    :raises ProtocolError: naming the first wrong field.
    """
    if isinstance(op, BinaryOp):
        if not isinstance(body, memoryview):
            raise ProtocolError(f'Invalid message: {op.name} must be a binary frame')
        return op.decode(body)
    if isinstance(body, memoryview):
        raise ProtocolError(f'Invalid message: {op.name} must be a JSON frame')
    try:
        return op.decode(body)
    except ProtocolError as exc:
        raise ProtocolError(f'Invalid message: {exc}') from None


class CapabilityModule:
    """
    What one module of ``capabilities/`` adds to the hub: its routes and its per-client state.

    A subclass sets :attr:`routes` (each op it answers, paired with its handler by
    :func:`route` or :func:`sliced_route`) and overrides the hooks it needs;
    :meth:`Hub.register` adds the routes to the hub's dispatch table.

    A bridge's own capability (one the protocol does not name) also sets :attr:`offers`, and
    names in :meth:`map_effects` what carries out the effects it returns: registering it is
    then all it takes, with no edit to the config, the hub or the wiring's table.
    """

    routes: Sequence[Route] = ()
    offers: Optional[str] = None
    """A capability of the bridge's own that registering this module offers in ``serverInfo``;
    None for the protocol's capabilities, which the ``capabilities`` parameter chooses."""

    def greet(self, session: ClientSession) -> None:
        """
        Queue what a new client must be told by this capability.

        :param session: the new client.
        """

    def forget(self, session: ClientSession) -> list[Effect]:
        """
        Release what a client that left held.

        :param session: the client.
        :return: effects for the caller.
        """
        return []

    def graph_changed(self, change: GraphChange) -> None:
        """
        Follow what came and went in the source's graph (on the loop).

        :param change: the change; the hub has already applied its channels.
        """

    def map_effects(self, table: EffectTable) -> None:
        """
        Name in the table what carries out this module's effects, once, as it is registered.

        The bridge's wiring names the parts that carry out the protocol capabilities' effects;
        a bridge's own capability names its own here.

        :param table: the hub's effect table.
        """
