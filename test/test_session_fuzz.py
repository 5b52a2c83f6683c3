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


"""The core fed fuzzed and mutated frames: a status or effects, never an exception."""

import json

from core_harness import channel, make_core
import pytest

hypothesis = pytest.importorskip('hypothesis')
from hypothesis import given, settings, strategies as st  # noqa: E402, I100


def make_hub():
    hub = make_core(max_subscriptions=10, max_client_channels=10).hub
    hub.add_channels([channel('/a')])
    return hub


OPS = ['subscribe', 'unsubscribe', 'advertise', 'unadvertise', 'getParameters',
       'setParameters', 'subscribeParameterUpdates', 'unsubscribeParameterUpdates',
       'subscribeConnectionGraph', 'unsubscribeConnectionGraph', 'fetchAsset', 'nope']
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(['id', 'channelId', 'subscriptions', 'subscriptionIds', 'channels',
                         'topic', 'encoding', 'schemaName', 'parameterNames', 'parameters',
                         'name', 'value', 'type', 'uri', 'requestId', 'channelIds']),
        children, max_size=5), max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(op=st.sampled_from(OPS),
       body=st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=4))
def test_fuzzed_json_only_ever_gives_status_or_effects(op, body):
    hub = make_hub()
    session = hub.connect('fuzz')
    text = json.dumps({'op': op, **body})
    hub.handle_frame(session, text)  # must not raise: decoding errors become a status
    while (frame := session.send_queue.pop()) is not None:
        if isinstance(frame, str):
            json.loads(frame)


@settings(max_examples=400, deadline=None)
@given(data=st.binary(max_size=64) | st.builds(
    lambda op, rest: bytes([op]) + rest, st.integers(0, 6), st.binary(max_size=40)))
def test_fuzzed_binary_only_ever_gives_status_or_effects(data):
    hub = make_hub()
    session = hub.connect('fuzz')
    hub.handle_frame(session, data)  # must not raise


@settings(max_examples=300, deadline=None)
@given(data=st.binary(min_size=1, max_size=32),
       flips=st.lists(st.integers(0, 255), max_size=4))
def test_mutated_valid_frames(data, flips):
    valid = [
        '{"op":"subscribe","subscriptions":[{"id":1,"channelId":1}]}',
        '{"op":"advertise","channels":[{"id":1,"topic":"/t","encoding":"cdr",'
        '"schemaName":"std_msgs/msg/String"}]}',
        '{"op":"setParameters","parameters":[{"name":"/n.p","value":1,"type":"float64"}]}',
    ]
    hub = make_hub()
    session = hub.connect('fuzz')
    for text in valid:
        mutated = bytearray(text.encode())
        for i, flip in enumerate(flips):
            mutated[(data[i % len(data)] * 7 + i) % len(mutated)] = flip
        hub.handle_frame(session, mutated.decode('utf-8', errors='replace'))
        hub.handle_frame(session, bytes([1]) + bytes(mutated))
