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
from foxglove_bridge_py.core.client_session import Effect
import pytest

hypothesis = pytest.importorskip('hypothesis')
from hypothesis import given, settings, strategies as st  # noqa: E402, I100


def make_hub():
    hub = make_core(max_subscriptions_per_client=10, max_channels_per_client=10).hub
    hub.add_channels([channel('/a')])
    return hub


SERVER_OPS = {'serverInfo', 'status', 'removeStatus', 'advertise', 'unadvertise',
              'advertiseServices', 'unadvertiseServices', 'parameterValues',
              'connectionGraphUpdate', 'serviceCallFailure'}
"""The JSON ops the server may send a client."""
QUIET_OPS = {'unsubscribeConnectionGraph'}
"""Ops that may be answered with nothing at all: leaving the connection graph without being
subscribed is a valid no-op, as in the C++ bridge."""


def handle(hub, session, frame):
    """
    Feed one frame as the server does; return the effects and the frames the client is sent.

    Every frame must be JSON the app can read, a status must say something, and every effect
    must be one the bridge's effect table can carry out.
    """
    effects = [effect for sliced in hub.handle_frame_in_slices(session, frame)
               for effect in sliced]
    assert all(isinstance(effect, Effect) for effect in effects), effects
    sent = []
    while batch := session.send_queue.take(1 << 20):
        sent += batch
    for frame in sent:
        if isinstance(frame, str):
            message = json.loads(frame)
            assert message['op'] in SERVER_OPS, message
            if message['op'] == 'status':
                assert message['level'] in (0, 1, 2) and message['message'], message
    return effects, sent


def connected(hub):
    session = hub.connect('fuzz')
    handle(hub, session, '{"op":"unsubscribe","subscriptionIds":[]}')  # serverInfo and co.
    return session


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
    session = connected(hub)
    effects, sent = handle(hub, session, json.dumps({'op': op, **body}))
    assert effects or sent or op in QUIET_OPS, (op, body)
    if op == 'nope':
        assert effects == [] and [json.loads(f)['message'] for f in sent] == [
            'Unrecognized client opcode "nope"']


@settings(max_examples=400, deadline=None)
@given(data=st.binary(max_size=64) | st.builds(
    lambda op, rest: bytes([op]) + rest, st.integers(0, 6), st.binary(max_size=40)))
def test_fuzzed_binary_only_ever_gives_status_or_effects(data):
    hub = make_hub()
    session = connected(hub)
    effects, sent = handle(hub, session, data)
    assert effects or sent, data


@settings(max_examples=300, deadline=None)
@given(data=st.binary(min_size=1, max_size=32),
       flips=st.lists(st.integers(0, 255), max_size=4))
def test_mutated_valid_frames_give_status_or_effects(data, flips):
    valid = [
        '{"op":"subscribe","subscriptions":[{"id":1,"channelId":1}]}',
        '{"op":"advertise","channels":[{"id":1,"topic":"/t","encoding":"cdr",'
        '"schemaName":"std_msgs/msg/String"}]}',
        '{"op":"setParameters","parameters":[{"name":"/n.p","value":1,"type":"float64"}]}',
    ]
    hub = make_hub()
    session = connected(hub)
    for text in valid:
        mutated = bytearray(text.encode())
        for i, flip in enumerate(flips):
            mutated[(data[i % len(data)] * 7 + i) % len(mutated)] = flip
        for frame in (mutated.decode('utf-8', errors='replace'), bytes([1]) + bytes(mutated)):
            effects, sent = handle(hub, session, frame)
            assert effects or sent, frame
