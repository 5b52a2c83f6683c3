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

"""The per-client send queue, with literal frames and a fake clock."""

import json

from foxglove_bridge_py.protocol import StatusLevel
from foxglove_bridge_py.send_path.frame_block import share_frames
from foxglove_bridge_py.send_path.send_queue import DROP_STATUS_ID, QUANTUM, SendQueue

STATE, CAMERA = 1, 2
HEADER = b'H' * 13


class FakeClock:

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def make(limit=1000, control_limit=10_000, max_age=0.0, clock=None):
    clock = clock or FakeClock()
    names = {STATE: '/state', CAMERA: '/camera'}
    return SendQueue(limit, control_limit=control_limit, clock=clock, max_age=max_age,
                     describe_channel=lambda c: names.get(c, f'channel {c}')), clock


def take_all(queue, max_bytes=1 << 30):
    frames = []
    while True:
        batch = queue.take(max_bytes)
        if not batch:
            return frames
        frames.extend(batch)


def payloads(frames):
    return [f[1] for f in frames if isinstance(f, tuple)]


def statuses(frames):
    return [json.loads(f) for f in frames if isinstance(f, str)]


def test_control_first_in_order_then_time_then_data():
    queue, _ = make()
    queue.put_data(STATE, HEADER, b's1', 0.0)
    queue.put_control('{"op":"a"}')
    queue.put_time(b'\x02time1')
    queue.put_control(b'\x03reply')
    queue.put_time(b'\x02time2')
    assert len(queue) == 4
    assert take_all(queue) == ['{"op":"a"}', b'\x03reply', b'\x02time2', (HEADER, b's1')]
    assert len(queue) == 0 and queue.data_bytes == 0 and queue.control_bytes == 0


def test_identical_waiting_statuses_are_merged_with_a_count():
    queue, _ = make()
    for _ in range(1000):
        queue.put_status(StatusLevel.ERROR, 'Unknown channel ID: 7; ignoring subscription')
    queue.put_status(StatusLevel.WARNING, 'other', 'id1')
    assert len(queue) == 2
    assert take_all(queue) == [
        '{"op":"status","level":2,"message":"Unknown channel ID: 7; ignoring subscription '
        '(repeated 1000 times)"}',
        '{"op":"status","level":1,"message":"other","id":"id1"}']
    # Once sent, the same status is new again.
    queue.put_status(StatusLevel.ERROR, 'Unknown channel ID: 7; ignoring subscription')
    assert statuses(take_all(queue))[0]['message'] == (
        'Unknown channel ID: 7; ignoring subscription')


def test_a_channel_within_its_share_keeps_every_message_while_another_drops_its_oldest():
    queue, _ = make(limit=1000)
    for i in range(20):
        queue.put_data(STATE, HEADER, b's%02d' % i, 0.0)       # 20 x 16 bytes
        queue.put_data(CAMERA, HEADER, bytes([i]) * 187, 0.0)  # 200 bytes each
    # Two channels share 1000 bytes: the camera keeps its newest two frames (400 bytes).
    assert queue.dropped_by_channel == {CAMERA: 18}
    frames = payloads(take_all(queue))
    assert [p for p in frames if p.startswith(b's')] == [b's%02d' % i for i in range(20)]
    assert [p[0] for p in frames if not p.startswith(b's')] == [18, 19]


def test_round_robin_by_bytes_lets_small_messages_pass_big_frames():
    queue, _ = make(limit=100_000_000)
    big = b'F' * 6_000_000
    for i in range(3):
        queue.put_data(CAMERA, HEADER, big, 0.0)
    for i in range(50):
        queue.put_data(STATE, HEADER, b'state%02d' % i, 0.0)
    order = []
    while True:
        batch = queue.take(256 * 1024)
        if not batch:
            break
        order.extend('F' if f[1] is big else 's' for f in batch)
    # Every state message goes before the second camera frame: at most one big frame is ahead.
    assert order.index('F', order.index('F') + 1) > max(
        i for i, kind in enumerate(order) if kind == 's')
    assert order.count('F') == 3 and order.count('s') == 50


def test_equal_channels_alternate_by_bytes():
    queue, _ = make(limit=10_000_000)
    chunk = b'x' * (QUANTUM - len(HEADER))
    for _ in range(4):
        queue.put_data(STATE, HEADER, chunk, 0.0)
        queue.put_data(CAMERA, HEADER, chunk, 0.0)
    frames = take_all(queue, QUANTUM)
    assert len(frames) == 8
    assert queue.dropped == 0


def test_a_message_larger_than_the_share_goes_out_when_its_channel_is_empty():
    queue, _ = make(limit=10_000_000)
    frame = b'\x00' * 6_220_800  # 1080p rgb8
    assert queue.put_data(CAMERA, HEADER, frame, 0.0) == 0
    assert queue.put_data(STATE, HEADER, b'state', 0.0) == 0
    assert payloads(take_all(queue)) == [b'state', frame]
    # Frames arriving one at a time, each sent before the next: none is dropped.
    for _ in range(5):
        assert queue.put_data(CAMERA, HEADER, frame, 0.0) == 0
        assert payloads(take_all(queue)) == [frame]
    assert queue.dropped == 0


def test_the_whole_budget_holds_across_channels():
    queue, _ = make(limit=10_000_000)
    frame = b'\x00' * 6_220_800
    queue.put_data(CAMERA, HEADER, frame, 0.0)
    # A second camera's frame does not fit beside the first: the older one goes.
    assert queue.put_data(3, HEADER, frame, 1.0) == 1
    assert queue.dropped_by_channel == {CAMERA: 1}
    assert queue.data_bytes == len(HEADER) + len(frame)


def test_stale_data_is_dropped_at_send_time_except_latched_replays():
    queue, clock = make(limit=10_000, max_age=5.0)
    queue.put_data(STATE, HEADER, b'old', 0.0)
    queue.put_data(CAMERA, HEADER, b'latched', 0.0, latched=True)
    clock.now = 4.0
    queue.put_data(STATE, HEADER, b'fresh', 4.0)
    clock.now = 6.0
    frames = take_all(queue)
    assert payloads(frames) == [b'fresh', b'latched']
    assert queue.dropped_by_channel == {STATE: 1}
    (status,) = statuses(frames)
    assert status == {
        'op': 'status', 'level': 1, 'id': DROP_STATUS_ID,
        'message': 'Send buffer limit reached: dropped 1 messages that the connection could '
                   'not carry in time (/state: 1)'}


def test_a_slow_link_shrinks_a_channel_to_what_it_carries_in_a_quarter_second():
    queue, clock = make(limit=10_000_000)
    frame = b'\x00' * 300_000
    queue.put_data(CAMERA, HEADER, frame, 0.0)
    queue.put_data(CAMERA, HEADER, frame, 0.0)
    assert queue.dropped == 0  # a fast or unknown link: the share is half the budget
    take_all(queue)
    queue.link.record(2_500_000, 1.0, 0.0)  # 2.5 MB/s: 625 kB in 0.25 s
    for i in range(5):
        queue.put_data(CAMERA, HEADER, frame, 0.0)
        queue.put_data(STATE, HEADER, b'state', 0.0)
    assert queue.dropped_by_channel == {CAMERA: 3}
    assert queue.throughput() == 2_500_000
    clock.now = 10.0  # the estimate is forgotten once the link has not been the limit
    assert queue.throughput() is None


def test_drop_report_names_channels_and_is_withdrawn_after_keeping_up():
    queue, clock = make(limit=100)
    for _ in range(10):
        queue.put_data(STATE, HEADER, b'x' * 80, 0.0)
    frames = take_all(queue)
    assert [s['message'] for s in statuses(frames)] == [
        'Send buffer limit reached: dropped 1 messages that the connection could not carry in '
        'time (/state: 1)']
    # Drops within the interval are counted into the next report.
    clock.now = 3.0
    queue.put_data(STATE, HEADER, b'x' * 80, 3.0)
    queue.put_data(STATE, HEADER, b'x' * 80, 3.0)
    frames = take_all(queue)
    assert [s['message'] for s in statuses(frames)] == [
        'Send buffer limit reached: dropped 9 messages that the connection could not carry in '
        'time (/state: 9)']
    clock.now = 4.0
    queue.put_data(STATE, HEADER, b'x', 4.0)
    assert statuses(take_all(queue)) == []
    clock.now = 5.6
    queue.put_data(STATE, HEADER, b'x', 5.6)
    assert take_all(queue)[0] == (
        '{"op":"removeStatus","statusIds":["foxglove_bridge_py.send_buffer_limit"]}')


def test_control_budget_overflow_is_reported_once_and_frees_the_queue():
    overflows = []
    queue, _ = make(control_limit=100)
    queue.set_on_overflow(lambda: overflows.append(1))
    assert queue.put_control(b'R' * 1000)  # one large reply into an empty queue is taken
    assert not queue.put_control(b'r')
    assert overflows == [1] and queue.overflowed
    assert len(queue) == 0 and queue.control_bytes == 0
    assert not queue.put_status(StatusLevel.ERROR, 'more')
    assert overflows == [1]


def test_room_for_large_replies_is_signalled_when_the_client_reads():
    queue, _ = make(control_limit=1000)
    queue.put_control(b'A' * 600)
    ready = []
    queue.when_control_room(lambda: ready.append(1))
    assert ready == []
    take_all(queue)
    assert ready == [1]
    queue.when_control_room(lambda: ready.append(2))
    assert ready == [1, 2]


def test_forgotten_channel_is_discarded_uncounted():
    queue, _ = make()
    queue.put_data(STATE, HEADER, b'a', 0.0)
    queue.put_data(CAMERA, HEADER, b'b', 0.0)
    queue.forget_channel(STATE)
    assert len(queue) == 1 and queue.dropped == 0
    assert payloads(take_all(queue)) == [b'b']


def test_on_ready_fires_when_the_queue_stops_being_empty():
    calls = []
    queue, _ = make()
    queue.set_on_ready(lambda: calls.append(1))
    queue.put_control('a')
    queue.put_data(STATE, HEADER, b'x', 0.0)
    assert calls == [1]
    take_all(queue)
    queue.put_time(b'\x02t')
    assert calls == [1, 1]


def test_an_ordered_control_frame_waits_for_the_data_queued_before_it():
    queue, _ = make()
    queue.put_data(STATE, HEADER, b'm1', 0.0)
    queue.put_control(b'\x05ended', after_data=True)
    queue.put_control('{"op":"first"}')
    queue.put_data(STATE, HEADER, b'm2', 0.0)
    assert take_all(queue) == ['{"op":"first"}', (HEADER, b'm1'), b'\x05ended', (HEADER, b'm2')]
    queue.put_control(b'\x05alone', after_data=True)
    assert take_all(queue) == [b'\x05alone']


def test_replies_are_counted_apart_and_never_overflow():
    overflows = []
    queue, _ = make(control_limit=100)
    queue.set_on_overflow(lambda: overflows.append(1))
    queue.put_reply(b'\x04' + bytes(1000))  # a large asset, admitted by waiting for room
    assert queue.put_status(StatusLevel.WARNING, 'still served')
    room = []
    queue.when_control_room(lambda: room.append(1))
    assert room == []
    assert overflows == [] and queue.reply_bytes == 1001
    assert take_all(queue)[0] == b'\x04' + bytes(1000)
    assert queue.reply_bytes == 0 and room == [1]


def test_a_link_is_slow_until_it_drains_fast_and_slow_again_when_it_does_not():
    queue, _ = make()
    assert queue.link.slow
    queue.link.record(1_000_000, 0.001, 0.0)  # 1 GB/s: loopback, a LAN
    assert not queue.link.slow
    queue.link.record(20_000_000, 1.0, 5.0)  # in between: no change
    assert not queue.link.slow
    queue.link.record(2_500_000, 1.0, 10.0)  # 20 Mbit/s
    assert queue.link.slow


def test_large_first_messages_wait_briefly_for_the_small_ones_of_the_same_request():
    queue, clock = make(limit=10_000_000)
    frame = b'\x00' * 921_600
    queue.expect_first_messages([STATE, CAMERA], 0.0)
    queue.put_data(CAMERA, HEADER, frame, 0.0)
    assert queue.take(1 << 20) == [] and queue.wake_in() == 0.25
    clock.now = 0.05
    queue.put_data(STATE, HEADER, b'state', 0.05)  # the state's first message: all may go
    assert payloads(take_all(queue)) == [b'state', frame]
    assert queue.wake_in() is None
    # Without the state's first message, the frame goes when the grace ends.
    queue.expect_first_messages([STATE, CAMERA], 1.0)
    clock.now = 1.0
    queue.put_data(CAMERA, HEADER, frame, 1.0)
    assert take_all(queue) == []
    clock.now = 1.25
    assert payloads(take_all(queue)) == [frame]


def test_nothing_is_held_on_a_fast_link_or_for_a_single_channel():
    queue, _ = make(limit=10_000_000)
    frame = b'\x00' * 921_600
    queue.expect_first_messages([CAMERA], 0.0)
    queue.put_data(CAMERA, HEADER, frame, 0.0)
    assert payloads(take_all(queue)) == [frame]
    queue.link.record(100_000_000, 0.1, 0.0)
    queue.expect_first_messages([STATE, CAMERA], 0.0)
    queue.put_data(CAMERA, HEADER, frame, 0.0)
    assert payloads(take_all(queue)) == [frame]


def test_an_ordered_frame_behind_held_data_waits_without_spinning():
    queue, clock = make(limit=10_000_000)
    frame = b'\x00' * 921_600
    queue.expect_first_messages([STATE, CAMERA], 0.0)
    queue.put_data(CAMERA, HEADER, frame, 0.0)
    queue.put_control(b'\x05state', after_data=True)
    assert queue.take(1 << 20) == []
    clock.now = 0.3
    assert take_all(queue) == [(HEADER, frame), b'\x05state']


def test_put_many_keeps_and_drops_what_putting_one_by_one_would():
    sizes = [10, 300, 50, 400, 120, 600, 30, 30, 900, 5]
    one_by_one, _ = make(limit=1000)
    together, _ = make(limit=1000)
    frames = [(HEADER, bytes([i]) * size) for i, size in enumerate(sizes)]
    dropped = sum(one_by_one.put_data(STATE, header, payload, 0.0) for header, payload in frames)
    assert together.put_many(STATE, frames, 0.0) == dropped > 0
    assert together.data_bytes == one_by_one.data_bytes <= 1000
    assert payloads(take_all(together)) == payloads(take_all(one_by_one))
    assert together.dropped == one_by_one.dropped == dropped


def test_a_block_is_kept_dropped_and_counted_as_its_messages():
    queue, _ = make(limit=1000)
    (older, nothing), = share_frames([(HEADER, bytes([i]) * 87) for i in range(4)])
    (newer, _), = share_frames([(HEADER, bytes([i]) * 87) for i in range(7)])
    assert (len(older), len(newer), nothing) == (400, 700, b'')
    assert queue.put_many(STATE, [(older, b'')], 0.0) == 0
    assert queue.data_bytes == 400 and len(queue) == 1
    # 1100 bytes over a 1000-byte budget: the older block goes, as the 4 messages it holds.
    assert queue.put_many(STATE, [(newer, b'')], 0.0) == 4
    assert queue.dropped == queue.dropped_by_channel[STATE] == 4
    frames = take_all(queue)
    assert frames[-1] == (newer, b'') and queue.data_bytes == 0
    (status,) = statuses(frames)
    assert 'dropped 4 messages' in status['message'] and '/state: 4' in status['message']
    # The status, and the 7 messages of the block that went.
    assert queue.sent_messages == 1 + 7
    (waiting, _), = share_frames([(HEADER, b'w')] * 3)
    queue.put_many(STATE, [(waiting, b'')], 0.0)
    queue.forget_channel(STATE)  # unsubscribed: its block never goes, and is not counted
    assert take_all(queue) == [] and queue.sent_messages == 1 + 7


def test_message_backlog_size_bounds_the_entries_beside_the_bytes():
    clock = FakeClock()
    queue = SendQueue(1 << 30, control_limit=10_000, clock=clock, max_messages=5,
                      describe_channel={STATE: '/state', CAMERA: '/camera'}.get)
    queue.put_data(CAMERA, HEADER, b'c0', 0.0, latched=True)
    for i in range(6):
        queue.put_data(STATE, HEADER, b's%d' % i, 0.0)
    # Six would be one over: the fullest channel lost its oldest; the latched one stays.
    assert queue.dropped_by_channel == {STATE: 2}
    queue.put_many(CAMERA, [(HEADER, b'c1'), (HEADER, b'c2'), (HEADER, b'c3')], 0.0)
    # Three over, four waiting on each: /camera (first in turn) loses c1, /state s2, and
    # /camera c2; the latched c0 stays.
    assert queue.dropped_by_channel == {STATE: 3, CAMERA: 2}
    frames = take_all(queue)
    assert sorted(payloads(frames)) == [b'c0', b'c3', b's3', b's4', b's5']
    assert statuses(frames)[0]['message'].startswith('Send buffer limit reached: dropped 1 ')
    # Control frames count toward the frames waiting but never make data go.
    for i in range(10):
        queue.put_control('{"op":"x%d"}' % i)
    queue.put_data(STATE, HEADER, b's6', 0.0)
    assert queue.dropped == 5 and payloads(take_all(queue)) == [b's6']


def test_a_newest_only_channel_keeps_one_message_waiting_and_no_loss_is_reported():
    queue, clock = make(limit=10_000)
    room = []
    queue.keep_newest_only(CAMERA, room.append)
    for i in range(4):
        queue.put_data(CAMERA, HEADER, b'frame%d' % i, clock.now)
        queue.put_data(STATE, HEADER, b's%d' % i, clock.now)
    assert (queue.replaced, queue.dropped, len(queue)) == (3, 0, 5)
    assert queue.data_bytes == 5 * 13 + 6 + 4 * 2
    frames = take_all(queue)
    assert sorted(payloads(frames)) == [b'frame3', b's0', b's1', b's2', b's3']
    assert statuses(frames) == [] and room == [CAMERA]  # taken: room for the next
    # One taken (in flight on the socket), the next may wait: it is not the same one.
    queue.put_data(CAMERA, HEADER, b'frame4', clock.now)
    assert payloads(queue.take(1)) == [b'frame4']
    queue.put_data(CAMERA, HEADER, b'frame5', clock.now)
    queue.forget_channel(CAMERA)
    queue.put_data(CAMERA, HEADER, b'a', clock.now)
    queue.put_data(CAMERA, HEADER, b'b', clock.now)  # no longer newest-only
    assert payloads(take_all(queue)) == [b'a', b'b']


def test_a_seeded_link_caps_a_reconnected_clients_camera_from_the_first_frame():
    from foxglove_bridge_py.send_path.link_meter import LinkMemory
    memory = LinkMemory()
    memory.remember('10.0.0.5', 2_500_000.0, 100.0)
    memory.remember('10.0.0.6', None, 100.0)  # not measured lately: nothing to keep
    assert memory.recall('10.0.0.6', 110.0) is None
    assert memory.recall('10.0.0.5', 159.0) == 2_500_000.0
    assert memory.recall('10.0.0.5', 161.0) is None  # a minute later, forgotten
    queue, clock = make(limit=10_000_000)
    queue.seed_link(memory.recall('10.0.0.5', 110.0))
    assert queue.link.slow and queue.throughput() == 2_500_000.0
    frame = bytes(900_000)  # a VGA image: over what the link carries in 0.25 s
    for i in range(3):
        queue.put_data(CAMERA, HEADER, frame, clock.now)
    assert queue.dropped == 2  # only the newest waits, as on a link measured already
    unseeded, clock = make(limit=10_000_000)
    for i in range(3):
        unseeded.put_data(CAMERA, HEADER, frame, clock.now)
    assert unseeded.dropped == 0
