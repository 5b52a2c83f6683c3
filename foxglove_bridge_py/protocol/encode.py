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
Encoding the server messages every client gets: compact JSON text and the MessageData header.

Each capability encodes its own answers (``capabilities/``) with :func:`encode_json`.
"""

from __future__ import annotations

import json
import math
from typing import Mapping, Optional, Sequence

from foxglove_bridge_py.protocol.vocabulary import (Channel, MESSAGE_DATA_HEADER,
                                                    ServerBinaryOpcode, StatusLevel)


# --- server messages ---------------------------------------------------------------------------

def _finite(value: object) -> object:
    """Replace NaN and infinities, which browsers cannot parse, with null (as serde_json does)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def encode_json(message: Mapping[str, object]) -> str:
    """
    Encode a server JSON message compactly, never writing NaN or Infinity.

    :param message: the message, with its ``op``.
    :return: the text to send.
    """
    try:
        return json.dumps(message, separators=(',', ':'), allow_nan=False)
    except ValueError:
        return json.dumps(_finite(message), separators=(',', ':'), allow_nan=False)


def server_info(*, name: str, capabilities: Sequence[str], supported_encodings: Sequence[str],
                metadata: Mapping[str, str], session_id: str,
                data_range: Optional[tuple[int, int]] = None) -> str:
    """
    Encode ``serverInfo``.

    :param name: the server's name, shown by the app.
    :param capabilities: advertised capabilities.
    :param supported_encodings: encodings clients may publish and call services with.
    :param metadata: free-form string pairs (ROS_DISTRO among them).
    :param session_id: identifies this server instance.
    :param data_range: first and last log time of a recording played back, in nanoseconds.
    :return: the JSON text.
    """
    message = {'op': 'serverInfo', 'name': name, 'capabilities': list(capabilities),
               'supportedEncodings': list(supported_encodings), 'metadata': dict(metadata),
               'sessionId': session_id}
    if data_range is not None:
        # Split into seconds and nanoseconds: JSON numbers lose precision beyond 2**53.
        for key, value in zip(('dataStartTime', 'dataEndTime'), data_range):
            message[key] = {'sec': value // 1_000_000_000, 'nsec': value % 1_000_000_000}
    return encode_json(message)


def status(level: StatusLevel, message: str, status_id: Optional[str] = None) -> str:
    """
    Encode ``status``.

    :param level: info, warning or error.
    :param message: human-readable text.
    :param status_id: lets a later status replace this one or ``removeStatus`` withdraw it.
    :return: the JSON text.
    """
    msg = {'op': 'status', 'level': int(level), 'message': message}
    if status_id is not None:
        msg['id'] = status_id
    return encode_json(msg)


def remove_status(status_ids: Sequence[str]) -> str:
    """
    Encode ``removeStatus``.

    :param status_ids: ids of statuses to withdraw.
    :return: the JSON text.
    """
    return encode_json({'op': 'removeStatus', 'statusIds': list(status_ids)})


def advertise(channels: Sequence[Channel]) -> str:
    """
    Encode ``advertise``.

    :param channels: the channels to announce.
    :return: the JSON text.
    """
    return encode_json({'op': 'advertise', 'channels': [c.to_json() for c in channels]})


def unadvertise(channel_ids: Sequence[int]) -> str:
    """
    Encode ``unadvertise``.

    :param channel_ids: ids of channels that are gone.
    :return: the JSON text.
    """
    return encode_json({'op': 'unadvertise', 'channelIds': list(channel_ids)})


def message_data_header(subscription_id: int, log_time_ns: int) -> bytes:
    """
    Encode the 13-byte MessageData header; the payload follows it unchanged.

    :param subscription_id: the client's subscription id.
    :param log_time_ns: log (receive) time in nanoseconds.
    :return: the header bytes.
    """
    return MESSAGE_DATA_HEADER.pack(ServerBinaryOpcode.MESSAGE_DATA, subscription_id, log_time_ns)
