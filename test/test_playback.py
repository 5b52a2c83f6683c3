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

"""Playback: MCAP files written here, the pure player clock, and the app's control requests."""

import asyncio
import struct
import time

from bridge_harness import Client, TIMEOUT
from foxglove_bridge_py.playback.recording import Player, PlayerStatus, Recording, RecordingError
import pytest

PLAYING, PAUSED, ENDED = PlayerStatus.PLAYING, PlayerStatus.PAUSED, PlayerStatus.ENDED

mcap_writer = pytest.importorskip('mcap.writer')

SECOND = 1_000_000_000
START = 1_700_000_000 * SECOND
STRING_SCHEMA = b'string data'


def cdr_string(text):
    data = text.encode() + b'\x00'
    return bytes.fromhex('00010000') + struct.pack('<I', len(data)) + data


def write_recording(path, *, chatter=10, period=0.1, extra_channel=True):
    """Write an MCAP with /chatter (String every ``period`` s) and /odd (unknown encoding)."""
    with open(path, 'wb') as f:
        writer = mcap_writer.Writer(f)
        writer.start(profile='ros2', library='test')
        schema = writer.register_schema('std_msgs/msg/String', 'ros2msg', STRING_SCHEMA)
        chatter_id = writer.register_channel('/chatter', 'cdr', schema)
        odd_id = writer.register_channel('/odd', 'mystery', 0) if extra_channel else None
        for i in range(chatter):
            t = START + int(i * period * SECOND)
            writer.add_message(chatter_id, t, cdr_string(f'msg {i}'), t, i)
            if odd_id is not None and i == 0:
                writer.add_message(odd_id, t, b'??', t)
        writer.finish()
    return path


def test_recording_summary_and_seek(tmp_path):
    recording = Recording(write_recording(tmp_path / 'run.mcap'))
    assert (recording.start_time, recording.end_time) == (START, START + int(0.9 * SECOND))
    topics = {c.topic: c for c in recording.channels.values()}
    assert topics['/chatter'].schema == 'string data'
    assert topics['/chatter'].schema_encoding == 'ros2msg'
    messages = list(recording.messages(START + SECOND // 2))
    times = [t for key, t, _ in messages if recording.channels[key].topic == '/chatter']
    assert times[0] == START + 5 * SECOND // 10 and times == sorted(times) and len(times) == 5
    recording.close()


@pytest.mark.parametrize('content, text', [
    (None, 'no such file or folder'),
    (b'not an mcap file at all', 'not a readable MCAP file'),
])
def test_bad_files_are_clear_errors(tmp_path, content, text):
    path = tmp_path / 'bad.mcap'
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(RecordingError, match=text):
        Recording(str(path))


def test_truncated_file_is_a_clear_error(tmp_path):
    path = write_recording(tmp_path / 'full.mcap', chatter=200)
    data = open(path, 'rb').read()
    truncated = tmp_path / 'truncated.mcap'
    truncated.write_bytes(data[:len(data) // 2])
    with pytest.raises(RecordingError, match='truncated|not a readable'):
        Recording(str(truncated))


def test_player_clock():
    player = Player(START, START + 10 * SECOND)
    assert player.state(0.0) == (PAUSED, START, 1.0)
    player.play(100.0)
    assert player.now(101.0) == START + SECOND
    player.set_speed(2.0, 101.0)
    assert player.now(102.0) == START + 3 * SECOND
    assert player.wall_time_of(START + 5 * SECOND) == pytest.approx(103.0)
    player.pause(102.5)
    assert player.now(200.0) == START + 4 * SECOND
    assert player.seek(START - SECOND, 200.0) == START
    assert player.set_speed(float('nan'), 200.0) == 1.0
    assert player.set_speed(1000.0, 200.0) == 100.0
    assert player.set_speed(0.0001, 200.0) == 0.01
    player.play(200.0)
    assert player.now(1e9) == START + 10 * SECOND
    player.end()
    assert player.status == ENDED
    player.play(300.0)
    assert (player.status, player.now(300.0)) == (PLAYING, START)


def control_frame(command, speed=1.0, seek=None, request_id='r'):
    rid = request_id.encode()
    return struct.pack('<BBfBQI', 3, command, speed, seek is not None, seek or 0,
                       len(rid)) + rid


def parse_state(frame):
    _, status, current, speed, did_seek, id_len = struct.unpack_from('<BBQfBI', frame)
    return status, current, speed, bool(did_seek), frame[19:19 + id_len].decode()


async def next_frame(client, opcode):
    while True:
        frame = await client.expect_binary()
        if frame[0] == opcode:
            return frame


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 6 * TIMEOUT))


@pytest.fixture
def player_bridge(run_bridge, tmp_path):
    pytest.importorskip('rclpy')
    return run_bridge(playback_file=str(write_recording(tmp_path / 'run.mcap')))


def test_server_info_channels_and_unknown_encoding(player_bridge):
    async def scenario():
        client = await Client.connect(player_bridge.url)
        info = client.server_info
        assert info['capabilities'] == ['playbackControl', 'time']
        assert info['dataStartTime'] == {'sec': 1_700_000_000, 'nsec': 0}
        assert info['dataEndTime'] == {'sec': 1_700_000_000, 'nsec': 900_000_000}
        channel = await client.channel_for('/chatter')
        assert (channel['encoding'], channel['schemaName'], channel['schema']) == (
            'cdr', 'std_msgs/msg/String', 'string data')
        status = await client.expect_op('status')
        assert '/odd is not played back' in status['message'] and '"mystery"' in status['message']
        assert [c['topic'] for c in client.channels.values()] == ['/chatter']
        await client.close()

    run(scenario())


def test_play_delivers_in_order_with_recorded_times_and_ends(player_bridge):
    async def scenario():
        client = await Client.connect(player_bridge.url)
        channel = await client.channel_for('/chatter')
        await client.subscribe(3, channel['id'])
        await client.quiet(0.2)
        started = time.monotonic()
        await client.send(control_frame(0, request_id='play-1'))
        state = parse_state(await next_frame(client, 5))
        assert state == (PLAYING, START, 1.0, False, 'play-1')
        log_times, payloads, clock = [], [], []
        ended = None
        while ended is None:
            frame = await client.expect_binary()
            if frame[0] == 1:
                sub_id, log_time = struct.unpack_from('<IQ', frame, 1)
                assert sub_id == 3
                log_times.append(log_time)
                payloads.append(frame[13:])
                # Each message goes out within a few ms of its scheduled wall time.
                assert time.monotonic() - started == pytest.approx(
                    (log_time - START) / SECOND, abs=0.05)
            elif frame[0] == 2:
                clock.append(struct.unpack_from('<Q', frame, 1)[0])
            elif frame[0] == 5:
                ended = parse_state(frame)
        assert log_times == [START + i * SECOND // 10 for i in range(10)]
        assert payloads[4] == cdr_string('msg 4')
        assert clock == sorted(clock) and clock[-1] == START + 9 * SECOND // 10
        assert ended[0] == ENDED and ended[4] == ''
        await client.close()

    run(scenario())


def test_pause_seek_and_speed(player_bridge):
    async def scenario():
        client = await Client.connect(player_bridge.url)
        channel = await client.channel_for('/chatter')
        await client.subscribe(1, channel['id'])
        middle = START + SECOND // 2
        await client.send(control_frame(1, seek=middle, request_id='seek'))
        state = parse_state(await next_frame(client, 5))
        assert state == (PAUSED, middle, 1.0, True, 'seek')
        assert not [f for f in await client.quiet(0.3) if f[:1] == b'\x01']
        started = time.monotonic()
        await client.send(control_frame(0, speed=2.0, request_id='fast'))
        assert parse_state(await next_frame(client, 5))[2] == 2.0
        first = await next_frame(client, 1)
        assert struct.unpack_from('<Q', first, 5)[0] == middle
        last_time = None
        while True:
            frame = await client.expect_binary()
            if frame[0] == 1:
                last_time = struct.unpack_from('<Q', frame, 5)[0]
            elif frame[0] == 5:
                break
        elapsed = time.monotonic() - started
        # 0.4 s of recording at 2x: about 0.2 s of wall time.
        assert last_time == START + 9 * SECOND // 10
        assert 0.15 < elapsed < 0.35
        await client.close()

    run(scenario())


@pytest.mark.parametrize('frame, text', [
    (b'\x03\x00', 'PlaybackControlRequest buffer too short'),
    (bytes.fromhex('03070000803f00000000000000000000000000'), 'unknown playback command 7'),
    (bytes.fromhex('03000000803f0000000000000000000500000061'), 'does not match the buffer'),
])
def test_malformed_playback_requests_get_status_errors(player_bridge, frame, text):
    async def scenario():
        client = await Client.connect(player_bridge.url)
        await client.send(frame)
        status = await client.expect_op('status')
        while text not in status['message']:
            status = await client.expect_op('status')
        assert status['level'] == 2
        # Still playing along: a good request is answered.
        await client.send(control_frame(1, request_id='ok'))
        assert parse_state(await next_frame(client, 5))[4] == 'ok'
        await client.close()

    run(scenario())


def test_playback_control_is_refused_on_a_live_bridge(run_bridge):
    pytest.importorskip('rclpy')
    bridge = run_bridge()

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.send(control_frame(0))
        status = await client.expect_op('status')
        assert '"playbackControl" capability' in status['message']
        await client.close()

    run(scenario())


def test_playback_publish_into_ros(run_bridge, helper_node, tmp_path):
    pytest.importorskip('rclpy')
    from rosgraph_msgs.msg import Clock
    from std_msgs.msg import String
    strings, clock = [], []
    helper_node.create_subscription(String, '/chatter', lambda m: strings.append(m.data), 50)
    helper_node.create_subscription(Clock, '/clock', lambda m: clock.append(
        m.clock.sec * SECOND + m.clock.nanosec), 50)
    bridge = run_bridge(playback_file=str(write_recording(tmp_path / 'run.mcap')),
                        playback_publish=True)

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.channel_for('/chatter')
        from bridge_harness import wait_for
        wait_for(lambda: helper_node.count_publishers('/chatter') == 1
                 and helper_node.count_publishers('/clock') == 1, what='the publishers')
        await client.send(control_frame(0, request_id='go'))
        while parse_state(await next_frame(client, 5))[0] != ENDED:
            pass
        wait_for(lambda: len(strings) == 10, what='10 messages published into ROS')
        wait_for(lambda: clock and clock[-1] == START + 9 * SECOND // 10, what='/clock')
        assert strings == [f'msg {i}' for i in range(10)]
        await client.close()

    run(scenario())
