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


"""Fan-out: subscriptions, one ROS subscription per channel, latched replays, with plain values."""

import json

from core_harness import drain, FakeClock, handle, make_core, make_hub, spec
from foxglove_bridge_py import protocol
from foxglove_bridge_py.core.fanout import ReplayLatched, StartSubscription, StopSubscription
from foxglove_bridge_py.send_path.frame_block import FrameBlock, MAX_BLOCK_BYTES


def test_subscription_refcounting_and_fanout():
    hub = make_hub()
    (channel,) = hub.add_channels([spec('/a', 't/msg/T', '', None)])
    first, second = hub.connect('1'), hub.connect('2')
    drain(first), drain(second)
    subscribe = '{"op":"subscribe","subscriptions":[{"id":%d,"channelId":%d}]}'
    assert handle(hub, first, subscribe % (5, channel.id)) == [StartSubscription(channel)]
    # Not latched: the second client joins the running subscription with no effect at all.
    assert handle(hub, second, subscribe % (0, channel.id)) == []
    hub.fanout.deliver([(channel.id, 1, 99, b'payload')])
    assert drain(first) == [(protocol.message_data_header(5, 99), b'payload')]
    assert drain(second) == [(protocol.message_data_header(0, 99), b'payload')]
    assert handle(hub, first, '{"op":"unsubscribe","subscriptionIds":[5]}') == []
    assert hub.disconnect(second) == [StopSubscription(channel.id)]


def test_a_batch_of_interleaved_channels_keeps_each_channels_order_per_client():
    hub = make_hub()
    a, b = hub.add_channels([spec('/a', 't/msg/T', '', None), spec('/b', 't/msg/T', '', None)])
    first, second = hub.connect('1'), hub.connect('2')
    handle(hub, first, '{"op":"subscribe","subscriptions":[{"id":7,"channelId":%d},'
           '{"id":8,"channelId":%d}]}' % (a.id, b.id))
    handle(hub, second, '{"op":"subscribe","subscriptions":[{"id":9,"channelId":%d}]}'
           % b.id)
    drain(first), drain(second)
    hub.fanout.deliver([(a.id, 1, 10, b'a1'), (b.id, 2, 20, b'b1'), (a.id, 3, 30, b'a2'),
                        (b.id, 4, 40, b'b2'), (99, 5, 50, b'nobody')])
    frames = drain(first)
    assert [f for f in frames if f[0][1:5] == (7).to_bytes(4, 'little')] == [
        (protocol.message_data_header(7, 10), b'a1'), (protocol.message_data_header(7, 30), b'a2')]
    assert [f for f in frames if f[0][1:5] == (8).to_bytes(4, 'little')] == [
        (protocol.message_data_header(8, 20), b'b1'), (protocol.message_data_header(8, 40), b'b2')]
    assert drain(second) == [(protocol.message_data_header(9, 20), b'b1'),
                             (protocol.message_data_header(9, 40), b'b2')]


def latched_channel_with_a_late_joiner():
    hub = make_hub()
    (channel,) = hub.add_channels([spec('/l', 't/msg/T', '', None)])
    first, late = hub.connect('1'), hub.connect('2')
    handle(hub, first, '{"op":"subscribe","subscriptions":[{"id":1,"channelId":1}]}')
    hub.fanout.channel_latched(channel.id)
    assert handle(hub, late, '{"op":"subscribe","subscriptions":[{"id":2,"channelId":1}]}'
                  ) == [ReplayLatched(channel.id, late.client_id)]
    return hub, channel, first, late


def test_late_joiner_of_latched_channel_gets_replay_then_live_data_once():
    hub, channel, first, late = latched_channel_with_a_late_joiner()
    drain(first), drain(late)
    # Left ROS before the source took its snapshot: the snapshot has it, live it is skipped.
    hub.fanout.deliver([(channel.id, 3, 30, b'latched')])
    hub.fanout.replay(late.client_id, channel.id, [(3, 30, b'latched')], until=3)
    hub.fanout.deliver([(channel.id, 4, 40, b'new')])
    assert [f[1] for f in drain(late)] == [b'latched', b'new']
    assert [f[1] for f in drain(first)] == [b'latched', b'new']


def test_clients_with_one_subscription_id_share_frames_but_not_a_late_joiners_cut():
    hub = make_hub()
    (channel,) = hub.add_channels([spec('/l', 't/msg/T', '', None)])
    first, second, late = hub.connect('1'), hub.connect('2'), hub.connect('3')
    subscribe = '{"op":"subscribe","subscriptions":[{"id":1,"channelId":%d}]}' % channel.id
    handle(hub, first, subscribe)
    handle(hub, second, subscribe)
    hub.fanout.channel_latched(channel.id)
    handle(hub, late, subscribe)
    drain(first), drain(second), drain(late)
    sent_before = first.send_queue.sent_messages
    hub.fanout.replay(late.client_id, channel.id, [(3, 30, b'latched')], until=3)
    hub.fanout.deliver([(channel.id, 3, 30, b'latched'), (channel.id, 4, 40, b'new')])
    both = [(protocol.message_data_header(1, 30), b'latched'),
            (protocol.message_data_header(1, 40), b'new')]
    # The two alike get one block, the same object, counted as its two messages' bytes.
    (block, nothing), = first.send_queue.take(1 << 20)
    assert second.send_queue.take(1 << 20) == [(block, nothing)]
    assert isinstance(block, FrameBlock) and nothing == b''
    assert block.frames == both and block.messages == 2
    assert len(block) == first.send_queue.taken_bytes == sum(len(h) + len(p) for h, p in both)
    assert first.send_queue.sent_messages == second.send_queue.sent_messages == sent_before + 2
    assert drain(late) == both  # the replay's copy of 3, then only what came after it


def test_clients_alike_get_large_messages_as_shared_frames_not_one_block():
    hub = make_hub(limit=1 << 20)
    (channel,) = hub.add_channels([spec('/c', 't/msg/T', '', None)])
    first, second = hub.connect('1'), hub.connect('2')
    subscribe = '{"op":"subscribe","subscriptions":[{"id":1,"channelId":%d}]}' % channel.id
    handle(hub, first, subscribe)
    handle(hub, second, subscribe)
    drain(first), drain(second)
    large = bytes(MAX_BLOCK_BYTES)
    hub.fanout.deliver([(channel.id, 1, 10, large), (channel.id, 2, 20, b'small')])
    expected = [(protocol.message_data_header(1, 10), large),
                (protocol.message_data_header(1, 20), b'small')]
    taken = first.send_queue.take(1 << 20)
    assert taken == second.send_queue.take(1 << 20) == expected
    assert taken[0][1] is large  # not copied


def test_replay_for_a_client_that_left_is_dropped():
    hub, channel, first, late = latched_channel_with_a_late_joiner()
    assert hub.disconnect(late) == []
    hub.fanout.replay(late.client_id, channel.id, [(3, 30, b'latched')], until=3)
    assert [f for f in drain(late) if isinstance(f, tuple)] == []


def test_latched_mark_goes_with_the_last_subscriber():
    hub = make_hub()
    (channel,) = hub.add_channels([spec('/l', 't/msg/T', '', None)])
    first, second = hub.connect('1'), hub.connect('2')
    handle(hub, first, '{"op":"subscribe","subscriptions":[{"id":1,"channelId":1}]}')
    hub.fanout.channel_latched(channel.id)
    assert handle(hub, first, '{"op":"unsubscribe","subscriptionIds":[1]}') == [
        StopSubscription(channel.id)]
    handle(hub, first, '{"op":"subscribe","subscriptions":[{"id":2,"channelId":1}]}')
    # The new ROS subscription has not said it is latched yet: no replay is awaited.
    assert handle(hub, second, '{"op":"subscribe","subscriptions":[{"id":1,"channelId":1}]}'
                  ) == []


def test_send_buffer_warning_is_debounced_and_names_the_channel():
    clock = FakeClock()
    hub = make_hub(limit=100, clock=clock)
    hub.add_channels([spec('/big', 't/msg/T', '', None)])
    session = hub.connect('1')
    handle(hub, session, '{"op":"subscribe","subscriptions":[{"id":1,"channelId":1}]}')
    drain(session)
    for _ in range(10):
        hub.fanout.deliver([(1, 1, 0, b'x' * 80)])
    statuses = [json.loads(f) for f in drain(session) if isinstance(f, str)]
    assert statuses == [{'op': 'status', 'level': 1, 'message': 'Send buffer limit reached: '
                         'dropped 1 messages that the connection could not carry in time '
                         '(/big: 1)', 'id': 'foxglove_bridge_py.send_buffer_limit'}]
    assert session.send_queue.dropped_by_channel == {1: 9}
    clock.now = 3.0
    hub.fanout.deliver([(1, 1, 0, b'x' * 80), (1, 1, 0, b'x' * 80)])
    # The drops since the last report go into the next one, at most every 2.5 s.
    assert [json.loads(f)['message'] for f in drain(session) if isinstance(f, str)] == [
        'Send buffer limit reached: dropped 9 messages that the connection could not carry in '
        'time (/big: 9)']


def test_send_buffer_warning_withdrawn_once_client_keeps_up():
    clock = FakeClock()
    hub = make_hub(limit=100, clock=clock)
    hub.add_channels([spec('/big', 't/msg/T', 'x', 'ros2msg')])
    session = hub.connect('1')
    handle(hub, session, '{"op":"subscribe","subscriptions":[{"id":1,"channelId":1}]}')
    hub.fanout.deliver([(1, 1, 0, b'x' * 80)] * 2)
    drain(session)
    clock.now = 1.0
    hub.fanout.deliver([(1, 1, 0, b'x' * 10)])
    assert [f for f in drain(session) if isinstance(f, str)] == []
    clock.now = 2.6
    hub.fanout.deliver([(1, 1, 0, b'x' * 10)])
    assert [f for f in drain(session) if isinstance(f, str)] == [
        '{"op":"removeStatus","statusIds":["foxglove_bridge_py.send_buffer_limit"]}']


def test_unsubscribing_discards_queued_data_of_that_channel():
    hub = make_hub()
    hub.add_channels([spec('/a', 't/msg/T', '', None)])
    session = hub.connect('1')
    handle(hub, session, '{"op":"subscribe","subscriptions":[{"id":1,"channelId":1}]}')
    hub.fanout.deliver([(1, 1, 0, b'queued')])
    handle(hub, session, '{"op":"unsubscribe","subscriptionIds":[1]}')
    assert [f for f in drain(session) if isinstance(f, tuple)] == []
    assert session.send_queue.dropped == 0


def test_many_refused_ids_in_one_request_get_one_status():
    hub = make_hub()
    session = hub.connect('1')
    drain(session)
    entries = ','.join('{"id":%d,"channelId":%d}' % (i, 1000 + i) for i in range(100_000))
    effects = handle(hub, session, '{"op":"subscribe","subscriptions":[%s]}' % entries)
    assert effects == []
    assert [json.loads(f) for f in drain(session)] == [{
        'op': 'status', 'level': 2, 'message': 'Unknown channel IDs: 1000, 1001, 1002, 1003, '
        '1004 and 99995 more; ignoring these subscriptions'}]


def test_subscription_errors_per_protocol():
    hub = make_hub()
    (channel,) = hub.add_channels([spec('/twice', 't/msg/T')])
    session = hub.connect('1')
    drain(session)
    subscribe = '{"op":"subscribe","subscriptions":[{"id":%d,"channelId":%d}]}'
    assert handle(hub, session, subscribe % (1, channel.id)) == [
        StartSubscription(channel)]
    assert handle(hub, session, subscribe % (1, channel.id)) == []
    assert handle(hub, session, subscribe % (2, channel.id)) == []
    assert [(s['level'], s['message']) for s in map(json.loads, drain(session))] == [
        (2, 'Subscription ID was already used: 1; ignoring subscription'),
        (1, 'Client is already subscribed to channel 1; ignoring subscription')]


def test_subscriptions_per_client_are_capped():
    hub = make_core(max_subscriptions_per_client=2).hub
    channels = hub.add_channels([spec(f'/t{i}', 't/msg/T') for i in range(3)])
    session = hub.connect('1')
    drain(session)
    entries = ','.join('{"id":%d,"channelId":%d}' % (c.id, c.id) for c in channels)
    effects = handle(hub, session, '{"op":"subscribe","subscriptions":[%s]}' % entries)
    assert [e.channel.id for e in effects] == [channels[0].id, channels[1].id]
    assert [json.loads(f)['message'] for f in drain(session)] == [
        'Too many subscriptions: at most 2; ignoring subscription 3']


def test_a_twins_subscribers_keep_only_its_newest_frame_waiting():
    from dataclasses import replace
    hub = make_hub(limit=1_000_000)
    twin, raw = hub.add_channels([
        replace(spec('/cam/foxglove/jpeg', 'sensor_msgs/msg/CompressedImage'), newest_only=True),
        spec('/cam', 'sensor_msgs/msg/Image')])
    a, b = hub.connect('a'), hub.connect('b')
    for session, sub_id in ((a, 1), (b, 2)):
        for channel, offset in ((twin, 0), (raw, 10)):
            handle(hub, session, json.dumps({'op': 'subscribe', 'subscriptions': [
                {'id': sub_id + offset, 'channelId': channel.id}]}))
        drain(session)
    for n in range(3):
        hub.fanout.deliver([(twin.id, n, n, b'jpeg%d' % n), (raw.id, n, n, b'raw%d' % n)])
    # Every client has a twin frame waiting: the encoder need not make the next.
    assert hub.fanout.twin_waiting == {twin.id}
    frames = drain(a)
    assert sorted(f[1] for f in frames) == [b'jpeg2', b'raw0', b'raw1', b'raw2']
    assert (a.send_queue.replaced, a.send_queue.dropped) == (2, 0)
    assert hub.fanout.twin_waiting == frozenset()  # one client took it: make the next
    hub.fanout.deliver([(twin.id, 3, 3, b'jpeg3')])
    assert hub.fanout.twin_waiting == {twin.id}
    c = hub.connect('c')
    handle(hub, c, json.dumps({'op': 'subscribe', 'subscriptions': [
        {'id': 1, 'channelId': twin.id}]}))
    assert hub.fanout.twin_waiting == frozenset()  # a new subscriber has nothing waiting
    assert [f[1] for f in drain(b) if isinstance(f, tuple)] == [
        b'jpeg3', b'raw0', b'raw1', b'raw2']
