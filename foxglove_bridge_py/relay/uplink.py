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
The robot's side of the relay: the relay's viewers served by this bridge's hub, over Zenoh.

Each viewer the relay announces becomes a client of the hub like any other (its greeting, its
statuses, services, parameters, graph, assets, time, playback, its audit lines with its token's
name and "via relay <relay>"), with the rights its token has at the relay capped by
``relay_role``. Its frames come up on one key and its replies go down on another, in order, as
reliable control (Zenoh's ``BLOCK``, made on the put thread so the loop never waits for the
link). Channel data does not go per viewer: one client of the hub, the *data session*,
subscribes to a channel exactly while the relay subscribes to that channel's key (Zenoh's
matching status), and its send queue keeps the uplink fair and fresh; each message crosses once,
whatever the number of viewers, at a low priority and dropped under congestion (``DROP``), so
state is never starved by a camera and memory stays bounded while the uplink is slow or cut.
"""

from __future__ import annotations

import asyncio
import json
import re
import traceback
from typing import Callable, Optional, Sequence, TYPE_CHECKING
import uuid

from foxglove_bridge_py.access.grant import Grant, Role
from foxglove_bridge_py.core.client_session import ClientSession, Effect
from foxglove_bridge_py.core.hub import Hub
from foxglove_bridge_py.core.seams import Log
from foxglove_bridge_py.protocol import StatusLevel
from foxglove_bridge_py.relay import wire
from foxglove_bridge_py.relay.link import undeclare
from foxglove_bridge_py.send_path.frame_block import each_frame, FrameBlock
from foxglove_bridge_py.server.connection import Wakeup
from foxglove_bridge_py.threads.zenoh_side import ZenohSide

if TYPE_CHECKING:
    import zenoh

WRITE_BATCH_BYTES = 64 * 1024
HEAVY_SCHEMAS = ('sensor_msgs/msg/Image', 'sensor_msgs/msg/CompressedImage',
                 'sensor_msgs/msg/PointCloud2', 'foxglove_msgs/msg/CompressedVideo',
                 'sensor_msgs/msg/LaserScan')
"""Channels sent at Zenoh's lowest data priority: what a small topic must not wait behind."""
EffectSink = Callable[[Sequence[Effect]], None]


class _Viewer:
    """One viewer of the relay, as a client of this hub."""

    def __init__(self, session: ClientSession, down: str, token: 'zenoh.LivelinessToken | None'
                 ) -> None:
        self.session = session
        self.down = down
        self.writer: Optional[asyncio.Future] = None
        self.token = token


class _MatchingWatch:
    """Tells the uplink, on the loop, that the relay started or stopped wanting a channel."""

    __slots__ = ('_channel_id', '_changed')

    def __init__(self, channel_id: int, changed: Callable[[int, bool], None]) -> None:
        self._channel_id = channel_id
        self._changed = changed

    def __call__(self, status: 'zenoh.MatchingStatus') -> None:
        self._changed(self._channel_id, status.matching)


class RelayUplink:
    """Serves the viewers of a relay from this bridge's hub, over one Zenoh session."""

    def __init__(self, hub: Hub, carry_out: EffectSink, side: ZenohSide,
                 session: 'zenoh.Session', *, robot: str, relay_role: Role,
                 log: Log) -> None:
        """
        Prepare the uplink; :meth:`run` serves it.

        :param hub: the bridge's hub.
        :param carry_out: carries out the effects the hub returns.
        :param side: Zenoh's threads, and the hops from them to the loop.
        :param session: the Zenoh session dialling the relay.
        :param robot: this robot's name at the relay.
        :param relay_role: the most a viewer of the relay may do.
        :param log: where to log viewers coming and going.
        """
        self._hub = hub
        self._carry_out = carry_out
        self._side = side
        self._zenoh = session
        self.robot = robot
        self._relay_role = relay_role
        self._log = log
        self.instance = uuid.uuid4().hex[:12]
        self.viewers: dict[tuple[str, int], _Viewer] = {}
        self._publishers: dict[int, 'zenoh.Publisher'] = {}
        self._listeners: dict[int, object] = {}
        self._table = wire.pack_channels(())
        """The channel table as the queryable answers it: replaced whole on the loop, read by
        Zenoh's threads (a reference read, never half of one)."""
        self._data: Optional[ClientSession] = None
        self._on_up = side.in_loop(self.viewer_frame)
        self._on_viewer_token = side.in_loop(self.viewer_token)
        self._on_matching = side.in_loop(self.matching_changed)

    async def run(self) -> None:
        """Serve the relay until cancelled, then let go of every viewer and declaration."""
        robot, session = self.robot, self._zenoh
        # The table is whole before the robot shows itself: the relay asks for it first thing.
        self._follow_channels(announce=False)
        declared: list[object] = [
            session.liveliness().declare_token(wire.alive_key(robot, self.instance)),
            session.declare_subscriber(f'{wire.PREFIX}/{robot}/up/*/*', self._up_sample),
            session.liveliness().declare_subscriber(f'{wire.PREFIX}/{robot}/viewer/*/*',
                                                    self._viewer_sample),
            session.declare_queryable(wire.channels_key(robot), self._channels_query)]
        data = self._data = self._hub.connect(
            f'relay data ({robot})', Grant(Role.VIEWER))
        wakeup = Wakeup(asyncio.get_running_loop())
        data.send_queue.set_on_ready(wakeup.wake)
        wakeup.wake()
        self._log.info(f'relay link up: this robot is "{robot}" at the relay')
        try:
            await self._send_data(data, wakeup)
        finally:
            for viewer_id in list(self.viewers):
                self._drop_viewer(viewer_id)
            effects = self._hub.disconnect(data)
            if effects:
                self._carry_out(effects)
            for channel_id in list(self._publishers):
                self._undeclare_channel(channel_id)
            for entity in declared:
                undeclare(entity)

    # --- Zenoh's threads -----------------------------------------------------------------------

    def _up_sample(self, sample: 'zenoh.Sample') -> None:
        self._on_up(str(sample.key_expr), sample.payload.to_bytes())

    def _viewer_sample(self, sample: 'zenoh.Sample') -> None:
        import zenoh
        self._on_viewer_token(str(sample.key_expr), sample.kind == zenoh.SampleKind.PUT)

    def _channels_query(self, query: 'zenoh.Query') -> None:
        query.reply(wire.channels_key(self.robot), self._table)

    # --- the loop ------------------------------------------------------------------------------

    def viewer_frame(self, key: str, data: bytes) -> None:
        """
        Handle what the relay sent for a viewer: its arrival, a frame, or its leaving.

        :param key: the sample's key, naming the relay and the viewer.
        :param data: the sample's bytes.
        """
        viewer_id = wire.read_viewer_key(key)
        if viewer_id is None:
            return
        try:
            kind, body = wire.read_up(data)
        except wire.WireError as exc:
            self._log.warning(f'relay sent something unreadable for viewer {viewer_id}: {exc}')
            return
        if kind == wire.Up.OPEN and isinstance(body, wire.ViewerOpen):
            self._open_viewer(viewer_id, body)
        elif kind == wire.Up.CLOSE:
            self._drop_viewer(viewer_id)
        elif isinstance(body, (str, bytes)):
            viewer = self.viewers.get(viewer_id)
            if viewer is not None:
                self._handle(viewer.session, body)

    def viewer_token(self, key: str, alive: bool) -> None:
        """
        Let go of a viewer whose token vanished: it left, or its relay is gone.

        :param key: the token's key.
        :param alive: False when it vanished.
        """
        viewer_id = wire.read_viewer_key(key)
        if viewer_id is not None and not alive:
            self._drop_viewer(viewer_id)

    def _open_viewer(self, viewer_id: tuple[str, int], who: wire.ViewerOpen) -> None:
        if viewer_id in self.viewers:
            return
        role = min(Role.OPERATOR if who.role == 'operator' else Role.VIEWER, self._relay_role)
        grant = Grant(role, name=who.name, via=who.relay,
                      topic_whitelist=_compiled(who.topic_whitelist),
                      client_topic_whitelist=_compiled(who.client_topic_whitelist),
                      service_whitelist=_compiled(who.service_whitelist),
                      param_whitelist=_compiled(who.param_whitelist))
        session = self._hub.connect(who.address or 'a viewer', grant)
        viewer = _Viewer(session, wire.down_key(self.robot, *viewer_id), None)
        self.viewers[viewer_id] = viewer
        wakeup = Wakeup(asyncio.get_running_loop())
        session.send_queue.set_on_ready(wakeup.wake)
        session.send_queue.set_on_overflow(self._overflow_of(viewer_id))
        wakeup.wake()
        viewer.writer = asyncio.ensure_future(self._send_control(viewer, wakeup))
        self._log.info(f'viewer {who.address} connected via relay {who.relay} as {grant.who} '
                       f'({role.label})')

    def _overflow_of(self, viewer_id: tuple[str, int]) -> Callable[[], None]:
        return _Overflow(viewer_id, self.overflowed)

    def overflowed(self, viewer_id: tuple[str, int]) -> None:
        """
        Close a viewer whose replies pile up beyond the control bound (the relay is gone).

        :param viewer_id: the relay and viewer.
        """
        self._log.warning(f'viewer {viewer_id[1]} of relay {viewer_id[0]} does not take its '
                          'replies: letting it go')
        self._drop_viewer(viewer_id)

    def _drop_viewer(self, viewer_id: tuple[str, int]) -> None:
        viewer = self.viewers.pop(viewer_id, None)
        if viewer is None:
            return
        if viewer.writer is not None:
            viewer.writer.cancel()
        effects = self._hub.disconnect(viewer.session)
        if effects:
            self._carry_out(effects)
        self._log.info(f'viewer {viewer.session.name} ({viewer.session.grant.who}) left')

    def _handle(self, session: ClientSession, frame: wire.TextOrBinary) -> None:
        try:
            for effects in self._hub.handle_frame_in_slices(session, frame):
                if effects:
                    self._carry_out(effects)
        except Exception as exc:  # noqa: B902 - a bug must not cost the viewer its session
            self._log.error(f'handling a message from {session.name} failed: '
                            f'{traceback.format_exc()}')
            session.send_status(StatusLevel.ERROR, f'Internal error: {exc!r}')

    async def _send_control(self, viewer: _Viewer, wakeup: Wakeup) -> None:
        import zenoh
        queue = viewer.session.send_queue
        put = self._zenoh.put
        try:
            while True:
                await wakeup.wait(queue.wake_in())
                batch = queue.take(WRITE_BATCH_BYTES)
                while batch:
                    frames = [frame if isinstance(frame, str) else _frame_bytes(frame)
                              for frame in each_frame(batch)]
                    await self._side.put_in_order(
                        put, viewer.down, wire.pack_down(frames),
                        congestion_control=zenoh.CongestionControl.BLOCK,
                        priority=zenoh.Priority.INTERACTIVE_HIGH)
                    batch = queue.take(WRITE_BATCH_BYTES)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: B902 - a failure must end only this viewer
            self._log.error(f'sending to viewer {viewer.session.name} failed: '
                            f'{traceback.format_exc()}')

    # --- channel data --------------------------------------------------------------------------

    async def _send_data(self, data: ClientSession, wakeup: Wakeup) -> None:
        queue = data.send_queue
        publishers = self._publishers
        latched = self._hub.fanout.is_latched
        while True:
            await wakeup.wait(queue.wake_in())
            batch = queue.take(WRITE_BATCH_BYTES)
            while batch:
                for frame in each_frame(batch):
                    if isinstance(frame, str):
                        self._control_of_data_session(frame)
                        continue
                    if not isinstance(frame, tuple):
                        continue  # Time and the like: each viewer has its own
                    header, payload = frame
                    assert isinstance(header, bytes)
                    channel_id = int.from_bytes(header[1:5], 'little')
                    publisher = publishers.get(channel_id)
                    if publisher is not None:
                        publisher.put(header + payload, attachment=wire.LATCHED
                                      if latched(channel_id) else None)
                # Zenoh took the batch (or dropped what the uplink had no room for): let the
                # loop serve the viewers before the next.
                await asyncio.sleep(0)
                batch = queue.take(WRITE_BATCH_BYTES)

    def _control_of_data_session(self, frame: str) -> None:
        # The data session sees every channel come and go: the channel table follows it.
        if '"advertise"' in frame or '"unadvertise"' in frame:
            self._follow_channels(announce=True)

    def _follow_channels(self, *, announce: bool) -> None:
        hub = self._hub
        for channel_id in hub.channels:
            if channel_id not in self._publishers:
                self._declare_channel(channel_id)
        for channel_id in list(self._publishers):
            if channel_id not in hub.channels:
                self._undeclare_channel(channel_id)
        self._table = wire.pack_channels(hub.channels.values())
        if not announce:
            return
        import zenoh
        self._zenoh.put(wire.channels_key(self.robot), self._table,
                        congestion_control=zenoh.CongestionControl.BLOCK,
                        priority=zenoh.Priority.INTERACTIVE_HIGH)

    def _declare_channel(self, channel_id: int) -> None:
        import zenoh
        channel = self._hub.channels[channel_id]
        heavy = channel.newest_only or channel.schema_name in HEAVY_SCHEMAS
        publisher = self._zenoh.declare_publisher(
            wire.data_key(self.robot, channel_id),
            congestion_control=zenoh.CongestionControl.DROP,
            priority=zenoh.Priority.DATA_LOW if heavy else zenoh.Priority.DATA)
        self._publishers[channel_id] = publisher
        self._listeners[channel_id] = publisher.declare_matching_listener(
            _MatchingWatch(channel_id, self._on_matching))

    def _undeclare_channel(self, channel_id: int) -> None:
        listener = self._listeners.pop(channel_id, None)
        if listener is not None:
            undeclare(listener)
        publisher = self._publishers.pop(channel_id, None)
        if publisher is not None:
            undeclare(publisher)

    def matching_changed(self, channel_id: int, matching: bool) -> None:
        """
        Subscribe the data session to a channel while the relay wants it, and only then.

        :param channel_id: the channel.
        :param matching: whether the relay subscribes to its key now.
        """
        data = self._data
        if data is None or channel_id not in self._hub.channels:
            return
        subscribed = channel_id in data.channel_subscriptions
        if matching and not subscribed:
            self._handle(data, json.dumps({'op': 'subscribe', 'subscriptions': [
                {'id': channel_id, 'channelId': channel_id}]}))
        elif not matching and subscribed:
            self._handle(data, json.dumps({'op': 'unsubscribe',
                                           'subscriptionIds': [channel_id]}))


class _Overflow:
    __slots__ = ('_viewer_id', '_overflowed')

    def __init__(self, viewer_id: tuple[str, int], overflowed: Callable[[tuple[str, int]], None]
                 ) -> None:
        self._viewer_id = viewer_id
        self._overflowed = overflowed

    def __call__(self) -> None:
        self._overflowed(self._viewer_id)


def _frame_bytes(frame: object) -> bytes:
    if isinstance(frame, tuple):
        header, payload = frame
        assert not isinstance(header, FrameBlock)
        return bytes(header) + bytes(payload)
    assert isinstance(frame, (bytes, bytearray, memoryview))
    return bytes(frame)


def _compiled(patterns: Optional[tuple[str, ...]]) -> Optional[tuple[re.Pattern[str], ...]]:
    # As the access file compiles them: full match, case-insensitive.
    return None if patterns is None else tuple(re.compile(p, re.IGNORECASE) for p in patterns)
