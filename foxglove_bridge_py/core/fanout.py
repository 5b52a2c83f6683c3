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
Fan-out: who is subscribed to which channel, and each message queued for each of them.

The subscribe and unsubscribe ops, one ROS subscription per channel whatever the number of
clients (the first subscriber starts it, the last one's leaving stops it), and the hot path from
a batch of messages to every subscriber's send scheduler. A late joiner of a latched channel gets
the source's kept messages first and no live data until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Sequence

from foxglove_bridge_py import protocol
from foxglove_bridge_py.core.client_session import ClientSession, Effect
from foxglove_bridge_py.core.ops import CapabilityModule, sliced_route, TextOp
from foxglove_bridge_py.core.refusals import Refusals
from foxglove_bridge_py.core.statuses import Statuses
from foxglove_bridge_py.protocol import Channel, StatusLevel
from foxglove_bridge_py.send_path.frame_block import Queued, share_frames

WAITING_FOR_REPLAY = 1 << 62
"""A subscriber's ``replayed_until`` while its latched messages are on their way: live data
that left ROS before them is in them, so it is not sent twice."""


SUBSCRIBE = TextOp('subscribe', protocol.decode_subscribe, gate=None)
"""Always offered: the core's own op, gated by no capability."""
UNSUBSCRIBE = TextOp('unsubscribe', protocol.decode_unsubscribe, gate=None)


@dataclass(frozen=True)
class StartSubscription(Effect):
    """Effect: the first client subscribed to a channel; its source starts sending it."""

    channel: Channel


@dataclass(frozen=True)
class StopSubscription(Effect):
    """Effect: the last client unsubscribed from a channel; its source stops sending it."""

    channel_id: int


@dataclass(frozen=True)
class ReplayLatched(Effect):
    """Effect: a client joined an active latched channel; answer with :meth:`Fanout.replay`."""

    channel_id: int
    client_id: int


@dataclass
class _Subscriber:
    subscription_id: int
    replayed_until: int = -1


class Fanout(CapabilityModule):
    """Subscriptions of every client, and the delivery of messages to them."""

    def __init__(self, channels: Mapping[int, Channel], sessions: Mapping[int, ClientSession],
                 statuses: Statuses, clock: Callable[[], float], max_subscriptions: int = 0
                 ) -> None:
        """
        Serve the subscriptions to a hub's channels.

        :param channels: the hub's channels by id.
        :param sessions: the hub's clients by id.
        :param statuses: the hub's standing statuses.
        :param clock: monotonic seconds.
        :param max_subscriptions: subscriptions one client may hold (0: no limit).
        """
        self._channels = channels
        self._sessions = sessions
        self._statuses = statuses
        self._clock = clock
        self._max_subscriptions = max_subscriptions
        self._subscribers: dict[int, dict[ClientSession, _Subscriber]] = {}
        self._latched: set[int] = set()
        self.twin_waiting: frozenset = frozenset()
        """Newest-only channels (twins) of which every subscriber has a message waiting: no
        client could take a new one yet, so the encoder need not make it. Replaced whole, never
        changed in place: the encoder thread reads it (:meth:`twin_wanted`)."""
        self.delivered: dict[int, int] = {}
        """Messages delivered per channel while it had subscribers, counted per batch (for
        the figures)."""
        self.routes = (sliced_route(SUBSCRIBE, 'subscriptions', self._on_subscribe),
                       sliced_route(UNSUBSCRIBE, 'subscription_ids', self._on_unsubscribe))

    def forget(self, session: ClientSession) -> list[Effect]:
        """
        Release a leaving client's subscriptions.

        :param session: the client.
        :return: effects for channels that lost their last subscriber.
        """
        effects = []
        for channel_id in list(session.channel_subscriptions):
            effects.extend(self._remove_subscriber(session, channel_id))
        session.subscriptions.clear()
        session.channel_subscriptions.clear()
        return effects

    def channels_removed(self, channel_ids: Sequence[int]) -> list[Effect]:
        """
        Drop the subscriptions of channels that are gone.

        :param channel_ids: the channels.
        :return: effects stopping the subscriptions that were active.
        """
        effects: list[Effect] = []
        for channel_id in channel_ids:
            self._latched.discard(channel_id)
            self.delivered.pop(channel_id, None)
            self._twin_room(channel_id)
            subscribers = self._subscribers.pop(channel_id, None)
            if not subscribers:
                continue
            for session in subscribers:
                sub_id = session.channel_subscriptions.pop(channel_id, None)
                if sub_id is not None:
                    session.subscriptions.pop(sub_id, None)
                session.send_queue.forget_channel(channel_id)
            effects.append(StopSubscription(channel_id))
        return effects

    def _on_subscribe(self, session: ClientSession, message: protocol.Subscribe,
                      refusals: Refusals) -> list[Effect]:
        effects: list[Effect] = []
        subscribed: list[int] = []
        for sub_id, channel_id in message.subscriptions:
            refusal = self._subscription_refusal(session, sub_id, channel_id)
            if refusal is not None:
                refusals.add(*refusal)
                continue
            session.subscriptions[sub_id] = channel_id
            session.channel_subscriptions[channel_id] = sub_id
            if self._channels[channel_id].newest_only:
                session.send_queue.keep_newest_only(channel_id, self._twin_room)
                self._twin_room(channel_id)  # this one can take a frame
            subscribers = self._subscribers.setdefault(channel_id, {})
            subscriber = subscribers[session] = _Subscriber(sub_id)
            subscribed.append(channel_id)
            if len(subscribers) == 1:
                effects.append(StartSubscription(self._channels[channel_id]))
            elif channel_id in self._latched:
                subscriber.replayed_until = WAITING_FOR_REPLAY
                effects.append(ReplayLatched(channel_id, session.client_id))
        session.send_queue.expect_first_messages(subscribed, self._clock())
        return effects

    def _subscription_refusal(self, session: ClientSession, sub_id: int, channel_id: int
                              ) -> Optional[tuple[StatusLevel, str, str, int]]:
        channel = self._channels.get(channel_id)
        if channel is None or not session.grant.sees_topic(channel.topic):
            # A channel the client's token hides is as unknown to it as one that never was.
            return (StatusLevel.ERROR, 'Unknown channel ID: {}; ignoring subscription',
                    'Unknown channel IDs: {}; ignoring these subscriptions', channel_id)
        if sub_id in session.subscriptions:
            return (StatusLevel.ERROR, 'Subscription ID was already used: {}; ignoring '
                    'subscription', 'Subscription IDs were already used: {}; ignoring these '
                    'subscriptions', sub_id)
        if channel_id in session.channel_subscriptions:
            return (StatusLevel.WARNING, 'Client is already subscribed to channel {}; ignoring '
                    'subscription', 'Client is already subscribed to channels {}; ignoring '
                    'these subscriptions', channel_id)
        limit = self._max_subscriptions
        if limit and len(session.subscriptions) >= limit:
            return (StatusLevel.ERROR, f'Too many subscriptions: at most {limit}; ignoring '
                    'subscription {}', f'Too many subscriptions: at most {limit}; ignoring '
                    'subscriptions {}', sub_id)
        return None

    def _on_unsubscribe(self, session: ClientSession, message: protocol.Unsubscribe,
                        refusals: Refusals) -> list[Effect]:
        effects: list[Effect] = []
        for sub_id in message.subscription_ids:
            channel_id = session.subscriptions.pop(sub_id, None)
            if channel_id is None:
                refusals.add(StatusLevel.WARNING, 'Subscription ID {} did not exist; ignoring '
                             'unsubscription', 'Subscription IDs {} did not exist; ignoring '
                             'these unsubscriptions', sub_id)
                continue
            del session.channel_subscriptions[channel_id]
            session.send_queue.forget_channel(channel_id)
            effects.extend(self._remove_subscriber(session, channel_id))
        return effects

    def _remove_subscriber(self, session: ClientSession, channel_id: int) -> list[Effect]:
        subscribers = self._subscribers.get(channel_id)
        if not subscribers or session not in subscribers:
            return []
        del subscribers[session]
        if subscribers:
            return []
        del self._subscribers[channel_id]
        self._latched.discard(channel_id)
        self._statuses.clear_channel_problems(channel_id, ('subscription', 'qos', 'twin'))
        return [StopSubscription(channel_id)]

    def _twin_room(self, channel_id: int) -> None:
        if channel_id in self.twin_waiting:
            self.twin_waiting = self.twin_waiting - {channel_id}

    def twin_wanted(self, channel_id: int) -> bool:
        """
        Tell whether some client could take a new message of a twin now (any thread).

        :param channel_id: the twin's channel.
        :return: False when every subscriber still has one waiting.
        """
        # Read from the encoder thread without a hop: safe because the loop replaces
        # twin_waiting whole (a frozenset behind one attribute), so this sees the old set or
        # the new one, never half of either; an answer one change late costs one twin frame.
        return channel_id not in self.twin_waiting

    def subscriber_count(self, channel_id: int) -> int:
        """
        Count the clients subscribed to a channel.

        :param channel_id: the channel.
        :return: the count.
        """
        return len(self._subscribers.get(channel_id, ()))

    def channel_latched(self, channel_id: int) -> None:
        """
        Note that a channel's source keeps its latest messages for late joiners.

        Later subscribers get a :class:`ReplayLatched` effect and nothing live until
        :meth:`replay` answers it.

        :param channel_id: the channel, while subscribed.
        """
        if channel_id in self._subscribers:
            self._latched.add(channel_id)

    def is_latched(self, channel_id: int) -> bool:
        """
        Tell whether a channel's source keeps its latest messages for late joiners.

        :param channel_id: the channel.
        :return: True once :meth:`channel_latched` said so, while it has subscribers.
        """
        return channel_id in self._latched

    def deliver(self, batch: Sequence[tuple[int, int, int, bytes]]) -> None:
        """
        Fan a batch of messages out to the subscribed clients' queues.

        :param batch: ``(channel_id, sequence, log_time_ns, payload)`` tuples in arrival order.
        """
        pack = protocol.MESSAGE_DATA_HEADER.pack
        opcode = protocol.ServerBinaryOpcode.MESSAGE_DATA
        subscribers_of = self._subscribers.get
        delivered = self.delivered
        # One arrival time for the batch: it left ROS within a millisecond.
        now = self._clock()
        # Each channel's messages go to each of its clients in one call, not one call each.
        by_channel: dict[int, list] = {}
        for message in batch:
            same_channel = by_channel.get(message[0])
            if same_channel is None:
                by_channel[message[0]] = [message]
            else:
                same_channel.append(message)
        for channel_id, messages in by_channel.items():
            subscribers = subscribers_of(channel_id)
            if not subscribers:
                continue
            delivered[channel_id] = delivered.get(channel_id, 0) + len(messages)
            # Clients with the same subscription id (one layout open in two browsers) receive
            # the same frames: packed once, and queued as one block if they are small.
            for (subscription_id, replayed_until), sessions in _alike(subscribers).items():
                plain = [(pack(opcode, subscription_id, log_time), payload)
                         for _, sequence, log_time, payload in messages
                         if sequence > replayed_until]
                if not plain:
                    continue
                frames: Sequence[Queued] = share_frames(plain) if len(sessions) > 1 else plain
                for session in sessions:
                    session.send_queue.put_many(channel_id, frames, now)
            if self._channels[channel_id].newest_only:
                self.twin_waiting = self.twin_waiting | {channel_id}  # one waits for each

    def replay(self, client_id: int, channel_id: int,
               messages: Sequence[tuple[int, int, bytes]], until: int) -> None:
        """
        Send a late joiner the latched messages of a channel, then its live data again.

        :param client_id: the client that subscribed.
        :param channel_id: the channel.
        :param messages: ``(sequence, log_time_ns, payload)`` tuples, oldest first.
        :param until: the last sequence number the source had given out when it took them:
            later messages are live, earlier ones are in ``messages`` or gone.
        """
        session = self._sessions.get(client_id)
        if session is None:
            return
        sub = self._subscribers.get(channel_id, {}).get(session)
        if sub is None:
            return
        now = self._clock()
        for sequence, log_time, payload in messages:
            session.send_queue.put_data(channel_id, protocol.message_data_header(
                sub.subscription_id, log_time), payload, now, latched=True)
        sub.replayed_until = until


def _alike(subscribers: dict) -> dict[tuple[int, int], list]:
    """Group a channel's subscribers by what they receive: subscription id and replay cut."""
    alike: dict[tuple[int, int], list] = {}
    for session, sub in subscribers.items():
        key = (sub.subscription_id, sub.replayed_until)
        sessions = alike.get(key)
        if sessions is None:
            alike[key] = [session]
        else:
            sessions.append(session)
    return alike
