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

"""The protocol core with every capability registered, as the bridge wires it, without ROS."""

import json
from types import SimpleNamespace

from foxglove_bridge_py import protocol
from foxglove_bridge_py.capabilities.assets import Assets
from foxglove_bridge_py.capabilities.client_publish import ClientPublish
from foxglove_bridge_py.capabilities.connection_graph import ConnectionGraphUpdates
from foxglove_bridge_py.capabilities.parameters import Parameters
from foxglove_bridge_py.capabilities.playback import PlaybackRequests
from foxglove_bridge_py.capabilities.server_time import ServerTime
from foxglove_bridge_py.capabilities.services import Services
from foxglove_bridge_py.core.hub import Hub
from foxglove_bridge_py.protocol import Channel

ALL = tuple(c.value for c in protocol.Capability)


def make_core(capabilities=ALL, encodings=('cdr', 'json'), topic_allowed=None,
              max_client_channels=0, playback_publishes=False, **hub_options):
    hub_options.setdefault('send_buffer_limit', 1_000_000)
    hub = Hub(server_name='test', capabilities=capabilities, supported_encodings=encodings,
              metadata={}, session_id='1', **hub_options)
    sessions = hub.sessions
    return SimpleNamespace(
        hub=hub, time=hub.register(ServerTime(sessions)),
        client_publish=hub.register(ClientPublish(sessions, encodings, topic_allowed,
                                                  max_client_channels)),
        services=hub.register(Services(sessions, encodings)),
        parameters=hub.register(Parameters(sessions)),
        graph=hub.register(ConnectionGraphUpdates()),
        assets=hub.register(Assets(sessions)),
        playback=hub.register(PlaybackRequests(playback_publishes)))


def channel(topic, type_name='std_msgs/msg/String', schema='string data',
            schema_encoding='ros2msg'):
    return Channel(0, topic, 'cdr', type_name, schema, schema_encoding)


def drain(session):
    frames = []
    while batch := session.send_queue.take(1):
        frames.extend(batch)
    return frames


def texts(session):
    return [json.loads(f) for f in drain(session) if isinstance(f, str)]


class FakeClock:

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def make_hub(limit=1000, clock=None):
    return Hub(server_name='test', capabilities=(), supported_encodings=(),
               metadata={'ROS_DISTRO': 'x'}, session_id='1', send_buffer_limit=limit,
               clock=clock or FakeClock())


def spec(topic, type_name, schema='', schema_encoding=None):
    return Channel(0, topic, 'cdr', type_name, schema, schema_encoding)
