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

"""Client publish without ROS: advertise refusals, publishing, and what a leaving client frees."""

import json
import struct

from core_harness import drain, handle, make_core
from foxglove_bridge_py.capabilities.client_publish import (ClientChannel, CreatePublisher,
                                                            DestroyPublisher, PublishMessage)


def advertise(*channels):
    return json.dumps({'op': 'advertise', 'channels': [
        {'id': i, 'topic': t, 'encoding': e, 'schemaName': s} for i, t, e, s in channels]})


def statuses(session):
    return [(s['level'], s['message']) for s in map(json.loads, drain(session))]


def test_advertise_refusals_name_the_channel_and_the_reason():
    core = make_core(client_topic_whitelist=['/app/.*'])
    session = core.hub.connect('c')
    drain(session)
    effects = handle(core.hub, session, advertise(
        (1, '/elsewhere', 'cdr', 'std_msgs/msg/String'),
        (2, '/app/a', 'protobuf', 'std_msgs/msg/String'),
        (3, '/app/b', 'cdr', ''),
        (4, '/app/ok', 'json', 'std_msgs/msg/String'),
        (4, '/app/ok', 'cdr', 'std_msgs/msg/String')))
    assert effects == [CreatePublisher(session.client_id, ClientChannel(
        4, '/app/ok', 'json', 'std_msgs/msg/String', None, None))]
    assert statuses(session) == [
        (2, 'Cannot advertise channel 1 on /elsewhere: topic is not in client_topic_whitelist'),
        (2, 'Cannot advertise channel 2 on /app/a: unsupported encoding "protobuf" '
            '(supported: cdr, json)'),
        (2, 'Cannot advertise channel 3 on /app/b: schemaName is empty; give the ROS message '
            'type, e.g. std_msgs/msg/String'),
        (1, 'Client channel 4 was already advertised; ignoring advertisement')]


def test_too_many_channels_are_refused_in_one_status():
    core = make_core(max_channels_per_client=1)
    session = core.hub.connect('c')
    drain(session)
    effects = handle(core.hub, session, advertise(
        *[(i, f'/t{i}', 'cdr', 'std_msgs/msg/String') for i in range(1, 4)]))
    assert [e.channel.id for e in effects] == [1]
    assert statuses(session) == [
        (2, 'Too many client channels: at most 1; ignoring channels 2, 3')]


def test_messages_are_published_only_on_advertised_channels():
    core = make_core()
    session = core.hub.connect('c')
    handle(core.hub, session, advertise((7, '/a', 'cdr', 'std_msgs/msg/String')))
    drain(session)
    assert handle(core.hub, session, struct.pack('<BI', 1, 7) + b'cdr bytes') == [
        PublishMessage(session.client_id, 7, b'cdr bytes')]
    assert handle(core.hub, session, struct.pack('<BI', 1, 8) + b'x') == []
    assert statuses(session) == [
        (2, 'Unknown channel ID: 8; advertise it before publishing')]


def test_unadvertise_and_leaving_destroy_the_publishers():
    core = make_core()
    session = core.hub.connect('c')
    drain(session)
    handle(core.hub, session, advertise((1, '/a', 'cdr', 't/msg/A'),
                                        (2, '/b', 'cdr', 't/msg/B')))
    assert handle(core.hub, session, '{"op":"unadvertise","channelIds":[1,5]}') == [
        DestroyPublisher(session.client_id, 1)]
    assert statuses(session)[-1] == (
        1, 'Client channel 5 was not advertised; ignoring unadvertisement')
    assert core.hub.disconnect(session) == [DestroyPublisher(session.client_id, 2)]


def test_a_publisher_the_ros_side_could_not_create_is_forgotten_with_a_status():
    core = make_core()
    session = core.hub.connect('c')
    handle(core.hub, session, advertise((1, '/a', 'cdr', 'nope/msg/Nope')))
    drain(session)
    core.client_publish.publisher_failed(session.client_id, 1, 'Cannot advertise channel 1')
    core.client_publish.publisher_failed(session.client_id, 1, 'said once only')
    core.client_publish.publish_failed(session.client_id, 1, 'Cannot publish on channel 1')
    assert statuses(session) == [(2, 'Cannot advertise channel 1'),
                                 (2, 'Cannot publish on channel 1')]
    # Forgotten: its messages are refused, and leaving destroys nothing.
    assert handle(core.hub, session, struct.pack('<BI', 1, 1) + b'x') == []
    assert statuses(session) == [(2, 'Unknown channel ID: 1; advertise it before publishing')]
    assert core.hub.disconnect(session) == []
