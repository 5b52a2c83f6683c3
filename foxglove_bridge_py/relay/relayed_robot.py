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
One robot as the relay serves it: its viewers, their subscriptions, its channels' data.

The relay is not a second bridge: what a viewer asks is answered by the robot, by a client
session of the robot's own hub made for it (``relay.uplink``), so a viewer is served exactly as
a direct client is. Two things are done here instead, because they are what make ten viewers
cost the uplink what one does: subscriptions (the core's own :class:`~foxglove_bridge_py.core.
fanout.Fanout`, over the robot's channel table) and the fan-out of each channel's messages,
which cross the uplink once, to every viewer's own send queue (fair, fresh, bounded, as on the
robot). A latched channel's last messages are kept here for viewers who come later.
"""

from __future__ import annotations

import collections
import itertools
import logging
from typing import Callable, Iterator, Mapping, Optional, Sequence, TYPE_CHECKING, Union

from foxglove_bridge_py import protocol
from foxglove_bridge_py.access.grant import Grant, Role
from foxglove_bridge_py.core.client_session import ClientSession, Effect
from foxglove_bridge_py.core.fanout import (Fanout, ReplayLatched, StartSubscription,
                                            StopSubscription)
from foxglove_bridge_py.core.ops import Route
from foxglove_bridge_py.core.statuses import Statuses
from foxglove_bridge_py.protocol import Channel, ProtocolError, StatusLevel
from foxglove_bridge_py.relay import wire
from foxglove_bridge_py.relay.link import undeclare
from foxglove_bridge_py.send_path.send_queue import SendQueue
from foxglove_bridge_py.threads.inflow import Inbox
from foxglove_bridge_py.threads.zenoh_side import ZenohSide

if TYPE_CHECKING:
    import zenoh

KEPT_LATCHED = 32
"""Messages of a latched channel kept for late joiners (a /tf_static of many publishers)."""


class QueueLimits:
    """What bounds each viewer's send queue at the relay (the bridge's parameters' defaults)."""

    def __init__(self, *, send_buffer_limit: int, control_buffer_limit: int,
                 max_message_age: float, max_queued_messages: int) -> None:
        """
        Set the bounds.

        :param send_buffer_limit: bytes of data queued per viewer.
        :param control_buffer_limit: bytes of control frames before a viewer is closed.
        :param max_message_age: seconds after which queued data is dropped unsent.
        :param max_queued_messages: data messages queued per viewer.
        """
        self.send_buffer_limit = send_buffer_limit
        self.control_buffer_limit = control_buffer_limit
        self.max_message_age = max_message_age
        self.max_queued_messages = max_queued_messages


class _DataSample:
    """A channel's messages, from Zenoh's thread into the batched hand-off to the loop."""

    __slots__ = ('_channel_id', '_post', '_sequence', '_kept', '_latched')

    def __init__(self, channel_id: int, post: Callable[[int, int, int, bytes], None],
                 sequence: Iterator[int], kept: collections.deque,
                 latched: Callable[[int], None]) -> None:
        self._channel_id = channel_id
        self._post = post
        self._sequence = sequence
        self._kept = kept
        self._latched = latched

    def __call__(self, sample: 'zenoh.Sample') -> None:
        data = sample.payload.to_bytes()
        try:
            _, log_time, payload = wire.read_message_data(data)
        except wire.WireError:
            return
        sequence = next(self._sequence)  # itertools.count: atomic under the GIL
        if sample.attachment is not None and sample.attachment.to_bytes() == wire.LATCHED:
            if not self._kept:
                self._latched(self._channel_id)
            self._kept.append((sequence, log_time, payload))
        self._post(self._channel_id, sequence, log_time, payload)


class RelayedRobot:
    """Serves one robot's viewers at the relay; the WebSocket server's hub for ``/<robot>``."""

    def __init__(self, name: str, instance: str, *, relay_id: str, relay_name: str,
                 session: 'zenoh.Session', side: ZenohSide, limits: QueueLimits,
                 clock: Callable[[], float], close: Callable[[int, int, str], None],
                 log: Optional[logging.Logger] = None) -> None:
        """
        Start serving a robot that came online.

        :param name: its name.
        :param instance: its run's id (a restarted robot has a new one).
        :param relay_id: this relay's instance, in the keys of its viewers.
        :param relay_name: this relay's name, in the robot's audit lines.
        :param session: the relay's Zenoh session.
        :param side: Zenoh's threads, and the hops from them to the loop.
        :param limits: bounds of each viewer's send queue.
        :param clock: monotonic seconds.
        :param close: closes a viewer's connection (client id, code, reason).
        :param log: where to log.
        """
        self.name = name
        self.instance = instance
        self._relay_id = relay_id
        self._relay_name = relay_name
        self._zenoh = session
        self._side = side
        self._limits = limits
        self._clock = clock
        self._close = close
        self._log = log or logging.getLogger(__name__)
        self.channels: dict[int, Channel] = {}
        self._sessions: dict[int, ClientSession] = {}
        self._next_viewer = 1
        self.fanout = Fanout(self.channels, self._sessions, Statuses(_nowhere), clock)
        self._routes: dict[str, Route] = {r.name: r for r in self.fanout.routes}
        self._inflow = side.inflow(Inbox(self.fanout.deliver, _no_time, _no_session,
                                         self.fanout.replay))
        self._sequence = itertools.count(1)
        self._data: dict[int, object] = {}
        self._kept: dict[int, collections.deque] = {}
        self._tokens: dict[int, object] = {}
        self._to_loop_down = side.in_loop(self.down)
        self._to_loop_channels = side.in_loop(self.channel_table)
        self._to_loop_latched = side.in_loop(self.fanout.channel_latched)
        self._declared: list[object] = [
            session.declare_subscriber(f'{wire.PREFIX}/{name}/down/{relay_id}/*',
                                       self._down_sample),
            session.declare_subscriber(wire.channels_key(name), self._channels_sample)]
        session.get(wire.channels_key(name), self._channels_reply)

    @property
    def sessions(self) -> Mapping[int, ClientSession]:
        """
        Give the robot's viewers at this relay.

        :return: their sessions, by id.
        """
        return self._sessions

    # --- Zenoh's threads -----------------------------------------------------------------------

    def _down_sample(self, sample: 'zenoh.Sample') -> None:
        self._to_loop_down(str(sample.key_expr), sample.payload.to_bytes())

    def _channels_sample(self, sample: 'zenoh.Sample') -> None:
        self._to_loop_channels(sample.payload.to_bytes())

    def _channels_reply(self, reply: 'zenoh.Reply') -> None:
        if reply.ok is not None:
            self._to_loop_channels(reply.ok.payload.to_bytes())

    # --- the loop ------------------------------------------------------------------------------

    def channel_table(self, data: bytes) -> None:
        """
        Take the robot's channel table: drop the subscriptions of channels that went.

        :param data: the table.
        """
        try:
            channels = {c.id: c for c in wire.read_channels(data)}
        except wire.WireError as exc:
            self._log.warning(f'robot {self.name}: {exc}')
            return
        gone = [channel_id for channel_id in self.channels if channel_id not in channels]
        self.channels.clear()
        self.channels.update(channels)
        self._carry_out(self.fanout.channels_removed(gone))

    def down(self, key: str, data: bytes) -> None:
        """
        Queue the robot's frames for a viewer, or close it if the robot let it go.

        :param key: the sample's key, naming the viewer.
        :param data: a batch of frames; empty when the robot closed the viewer.
        """
        viewer = wire.read_viewer_key(key)
        if viewer is None or viewer[0] != self._relay_id:
            return
        session = self._sessions.get(viewer[1])
        if session is None:
            return
        try:
            frames = wire.read_down(data)
        except wire.WireError as exc:
            self._log.warning(f'robot {self.name} sent viewer {viewer[1]} a bad batch: {exc}')
            return
        for frame in frames:
            session.send_queue.put_control(frame)

    def connect(self, name: str, grant: Grant) -> ClientSession:
        """
        Add a viewer: the robot greets it (``serverInfo``, ``advertise``, statuses).

        :param name: its address, for logs.
        :param grant: its rights at the relay.
        :return: its session.
        """
        limits = self._limits
        queue = SendQueue(limits.send_buffer_limit, control_limit=limits.control_buffer_limit,
                          clock=self._clock, max_age=limits.max_message_age,
                          describe_channel=self._describe_channel,
                          max_messages=limits.max_queued_messages)
        viewer = self._next_viewer
        self._next_viewer += 1
        session = ClientSession(viewer, name, queue, grant)
        self._sessions[viewer] = session
        who = wire.ViewerOpen(
            'operator' if grant.role >= Role.OPERATOR else 'viewer', grant.name, name,
            self._relay_name, *(None if p is None else tuple(x.pattern for x in p) for p in (
                grant.topic_whitelist, grant.client_topic_whitelist, grant.service_whitelist,
                grant.param_whitelist)))
        self._put_up(viewer, wire.pack_open(who))
        self._tokens[viewer] = self._zenoh.liveliness().declare_token(
            wire.viewer_key(self.name, self._relay_id, viewer))
        return session

    def disconnect(self, session: ClientSession) -> list[Effect]:
        """
        Remove a viewer: its subscriptions here, its session at the robot.

        :param session: its session.
        :return: nothing for the server to carry out (done here).
        """
        if self._sessions.pop(session.client_id, None) is None:
            return []
        self._carry_out(self.fanout.forget(session))
        self._put_up(session.client_id, wire.CLOSE)
        token = self._tokens.pop(session.client_id, None)
        if token is not None:
            undeclare(token)
        return []

    def handle_frame_in_slices(self, session: ClientSession, frame: Union[str, bytes]
                               ) -> Iterator[list[Effect]]:
        """
        Subscribe here, and send everything else to the robot, in order.

        :param session: the viewer.
        :param frame: its text or bytes.
        :return: no effects for the server (carried out here), one list per slice.
        """
        if isinstance(frame, str):
            try:
                op, body = protocol.read_text(frame)
            except ProtocolError as exc:
                session.send_status(StatusLevel.ERROR, str(exc))
                return
            route = self._routes.get(op)
            if route is not None:
                for effects in route.run(session, body, _no_refusal):
                    self._carry_out(effects)
                    yield []
                return
        self._put_up(session.client_id, wire.pack_up(frame))
        yield []

    def gone(self, reason: str) -> None:
        """
        Close every viewer (1001) and let go of the robot's keys: it went offline.

        :param reason: the close frames' reason, naming the robot.
        """
        for viewer in list(self._sessions):
            self._close(viewer, 1001, reason)
        for entity in [*self._declared, *self._data.values(), *self._tokens.values()]:
            undeclare(entity)
        self._declared.clear()
        self._data.clear()
        self._tokens.clear()

    def _carry_out(self, effects: Sequence[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, StartSubscription):
                self._subscribe(effect.channel.id)
            elif isinstance(effect, StopSubscription):
                undeclare(self._data.pop(effect.channel_id, None))
                self._kept.pop(effect.channel_id, None)
            elif isinstance(effect, ReplayLatched):
                kept = self._kept.get(effect.channel_id, ())
                self.fanout.replay(effect.client_id, effect.channel_id, list(kept),
                                   kept[-1][0] if kept else 0)

    def _subscribe(self, channel_id: int) -> None:
        kept: collections.deque = collections.deque(maxlen=KEPT_LATCHED)
        self._kept[channel_id] = kept
        self._data[channel_id] = self._zenoh.declare_subscriber(
            wire.data_key(self.name, channel_id),
            _DataSample(channel_id, self._inflow.post_message, self._sequence, kept,
                        self._to_loop_latched))

    def _put_up(self, viewer: int, data: bytes) -> None:
        import zenoh
        self._side.put_soon(self._zenoh.put, wire.up_key(self.name, self._relay_id, viewer),
                            data, congestion_control=zenoh.CongestionControl.BLOCK,
                            priority=zenoh.Priority.INTERACTIVE_HIGH)

    def _describe_channel(self, channel_id: int) -> str:
        channel = self.channels.get(channel_id)
        return channel.topic if channel is not None else f'channel {channel_id}'


def _no_refusal(session: ClientSession, route: Route) -> Optional[str]:
    return None  # subscribing is every viewer's right; what it may see, its grant says


def _nowhere(frame: Union[str, bytes]) -> None:
    """Statuses go to viewers from the robot, not from here."""


def _no_time(timestamp: int) -> None:
    """Time comes to each viewer from the robot."""


def _no_session(session_id: str) -> None:
    """Sessions are the robot's."""
