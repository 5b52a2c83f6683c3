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
    run: Callable[[ClientSession, Body, Refuse], Iterator[list[Effect]]]
    """Decode, check, handle: yields the effects of each slice."""

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
    def handle(session: ClientSession, message: Decoded) -> Iterator[list[Effect]]:
        yield handler(session, message)

    return _route(op, handle)


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
    def handle(session: ClientSession, message: Sliced) -> Iterator[list[Effect]]:
        every: Sequence[object] = getattr(message, entries)
        refusals = Refusals()
        for start in range(0, max(1, len(every)), REQUEST_SLICE):
            part = replace(message, **{entries: every[start:start + REQUEST_SLICE]})
            yield handler(session, part, refusals)
        refusals.report(session.send_status)

    return _route(op, handle)


def _route(op: Op[Decoded],
           handle: Callable[[ClientSession, Decoded], Iterator[list[Effect]]]) -> Route:
    decode = decoder(op)
    answer_refusal = op.answer_refusal

    def run(session: ClientSession, body: Body, refuse: Refuse) -> Iterator[list[Effect]]:
        try:
            message = decode(body)
        except ProtocolError as exc:
            session.send_status(StatusLevel.ERROR, str(exc))
            return
        reason = refuse(session, the_route)
        if reason is None:
            yield from handle(session, message)
        elif answer_refusal is not None:
            session.send_queue.put_control(answer_refusal(message, reason))
        else:
            session.send_status(StatusLevel.ERROR, reason)

    the_route = Route(op.name, op.opcode if isinstance(op, BinaryOp) else None, op.gate,
                      op.acts, run)
    return the_route


def decoder(op: Op[Decoded]) -> Callable[[Body], Decoded]:
    """
    Make the function that decodes an op's body as the hub does.

    A JSON op's errors are prefixed ``Invalid message:`` as the SDK prefixes them; a binary
    op's decoder words its own.

    :param op: the op.
    :return: takes the JSON object or the binary frame, returns the message or raises
        :class:`ProtocolError`.
    """
    if isinstance(op, BinaryOp):
        binary = op.decode

        def decode_binary(body: Body) -> Decoded:
            if not isinstance(body, memoryview):
                raise ProtocolError(f'Invalid message: {op.name} must be a binary frame')
            return binary(body)

        return decode_binary
    text = op.decode

    def decode_text(body: Body) -> Decoded:
        if isinstance(body, memoryview):
            raise ProtocolError(f'Invalid message: {op.name} must be a JSON frame')
        try:
            return text(body)
        except ProtocolError as exc:
            raise ProtocolError(f'Invalid message: {exc}') from None

    return decode_text


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
