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

"""The relay's wire, with literal bytes: keys, viewer frames, batches, the channel table."""

from foxglove_bridge_py.protocol import Channel
from foxglove_bridge_py.relay import wire

import pytest


def test_keys_name_the_robot_the_relay_and_the_viewer():
    assert wire.alive_key('r1', 'ab12') == 'fg/alive/r1/ab12'
    assert wire.read_alive_key('fg/alive/r1/ab12') == ('r1', 'ab12')
    assert wire.read_alive_key('fg/r1/data/3') is None
    assert wire.data_key('r1', 3) == 'fg/r1/data/3'
    assert wire.up_key('r1', 'ab12', 7) == 'fg/r1/up/ab12/7'
    assert wire.down_key('r1', 'ab12', 7) == 'fg/r1/down/ab12/7'
    assert wire.read_viewer_key('fg/r1/viewer/ab12/7') == ('ab12', 7)
    assert wire.read_viewer_key('fg/r1/up/ab12/x') is None


def test_a_viewer_opens_with_its_token_name_role_and_whitelists():
    opened = wire.pack_open(wire.ViewerOpen('operator', 'field-op', '10.0.0.5:5000', 'cloud',
                                            topic_whitelist=('/cam.*',)))
    assert opened == (b'\x01{"role":"operator","name":"field-op","address":"10.0.0.5:5000",'
                      b'"relay":"cloud","topic_whitelist":["/cam.*"]}')
    assert wire.read_up(opened) == (wire.Up.OPEN, wire.ViewerOpen(
        'operator', 'field-op', '10.0.0.5:5000', 'cloud', topic_whitelist=('/cam.*',)))


def test_a_viewers_frames_and_its_leaving():
    assert wire.pack_up('{"op":"x"}') == b'\x02{"op":"x"}'
    assert wire.pack_up(b'\x01\x02') == b'\x03\x01\x02'
    assert wire.read_up(b'\x02{"op":"x"}') == (wire.Up.TEXT, '{"op":"x"}')
    assert wire.read_up(b'\x03\x01\x02') == (wire.Up.BINARY, b'\x01\x02')
    assert wire.read_up(wire.CLOSE) == (wire.Up.CLOSE, None)


@pytest.mark.parametrize('data, message', [
    (b'', 'empty message'),
    (b'\x09', 'unknown kind 9'),
    (b'\x01{"role":"root","name":null,"address":""}', 'open does not read'),
    (b'\x02\xff', 'text does not read'),
])
def test_what_does_not_read_is_refused_with_a_reason(data, message):
    with pytest.raises(wire.WireError, match=message):
        wire.read_up(data)


def test_a_batch_down_keeps_kinds_and_order():
    packed = wire.pack_down(['{"op":"a"}', b'\x04\x05'])
    assert packed == b'\x00\x0a\x00\x00\x00{"op":"a"}\x01\x02\x00\x00\x00\x04\x05'
    assert wire.read_down(packed) == ['{"op":"a"}', b'\x04\x05']
    with pytest.raises(wire.WireError, match='cut short'):
        wire.read_down(packed[:-1])


def test_message_data_is_read_without_a_copy():
    frame = b'\x01\x05\x00\x00\x00' + (7).to_bytes(8, 'little') + b'cdr'
    channel_id, log_time, payload = wire.read_message_data(frame)
    assert (channel_id, log_time, bytes(payload)) == (5, 7, b'cdr')
    assert isinstance(payload, memoryview)
    with pytest.raises(wire.WireError):
        wire.read_message_data(b'\x02' + frame[1:])


def test_the_channel_table_carries_what_advertise_does_not():
    channels = [Channel(3, '/cam/foxglove/jpeg', 'cdr', 'sensor_msgs/msg/CompressedImage', 's',
                        'ros2msg', newest_only=True)]
    packed = wire.pack_channels(channels)
    assert packed == (b'[{"id":3,"topic":"/cam/foxglove/jpeg","encoding":"cdr","schemaName":'
                      b'"sensor_msgs/msg/CompressedImage","schema":"s","schemaEncoding":'
                      b'"ros2msg","newestOnly":true}]')
    assert wire.read_channels(packed) == channels
    with pytest.raises(wire.WireError):
        wire.read_channels(b'[{"id":3}]')
