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

"""The protocol core built as the bridge builds it (``bridge.build_core``), with no node."""

import dataclasses
import json

from foxglove_bridge_py import protocol
from foxglove_bridge_py.bridge import build_core
from foxglove_bridge_py.config import BridgeConfig
from foxglove_bridge_py.core.hub import Hub
from foxglove_bridge_py.protocol import Channel

ALL = tuple(c.value for c in protocol.Capability)


def make_core(capabilities=ALL, **parameters):
    """
    Build the core with ``bridge.build_core``, from bridge parameters.

    The capabilities are taken as given (the parameter's own rules would drop ``time`` and
    ``playbackControl``, which follow use_sim_time and playback_file).
    """
    parameters.setdefault('send_buffer_limit', 1_000_000)
    config = dataclasses.replace(BridgeConfig.from_parameters(parameters),
                                 capabilities=tuple(capabilities))
    return build_core(config, session_id='1')


def handle(hub, session, frame):
    """Handle one client frame as the server does, slice by slice; return all its effects."""
    return [effect for effects in hub.handle_frame_in_slices(session, frame)
            for effect in effects]


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
