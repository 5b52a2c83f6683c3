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
What the robot and the relay say to each other on Zenoh: keys, frames, viewers, channels.

Every key starts ``fg/``. A robot ``R`` holds the liveliness token ``fg/alive/R/<instance>``
while it is up (the relay sees it vanish within a lease when the robot dies or its uplink is
cut). A channel's messages go on ``fg/R/data/<channel id>``, which the robot publishes only
while the relay subscribes to it, so a channel crosses the uplink once, and only while a viewer
watches it. The channel table (``fg/R/channels``, a put and a queryable) tells the relay what
the channels are. One viewer's other frames go up on ``fg/R/up/<relay>/<viewer>`` and down on
``fg/R/down/<relay>/<viewer>``, and its liveliness token ``fg/R/viewer/<relay>/<viewer>`` lets
the robot let go of it when the relay dies. Pure: literal bytes in, literal bytes out.
"""

from __future__ import annotations

from dataclasses import dataclass
import enum
import json
import struct
from typing import Iterable, Optional, Union

from foxglove_bridge_py.protocol import Channel

PREFIX = 'fg'
ALIVE_ALL = f'{PREFIX}/alive/*/*'
"""Every robot's liveliness token: ``fg/alive/<robot>/<instance>``."""
LATCHED = b'L'
"""The attachment of a data sample whose channel the robot replays to late joiners."""
_LENGTH = struct.Struct('<BI')
_MESSAGE_DATA = struct.Struct('<BIQ')

TextOrBinary = Union[str, bytes]


def alive_key(robot: str, instance: str) -> str:
    """
    Name a robot's liveliness token.

    :param robot: its ``relay_name``.
    :param instance: unique to this run of its bridge.
    :return: the key.
    """
    return f'{PREFIX}/alive/{robot}/{instance}'


def read_alive_key(key: str) -> Optional[tuple[str, str]]:
    """
    Read a robot's liveliness key.

    :param key: e.g. ``fg/alive/R/1f3a``.
    :return: ``(robot, instance)``, or None for another key.
    """
    parts = key.split('/')
    if len(parts) != 4 or parts[:2] != [PREFIX, 'alive']:
        return None
    return parts[2], parts[3]


def channels_key(robot: str) -> str:
    """
    Name the key of a robot's channel table.

    :param robot: its name.
    :return: the key.
    """
    return f'{PREFIX}/{robot}/channels'


def data_key(robot: str, channel_id: int) -> str:
    """
    Name the key a channel's messages go on.

    :param robot: its name.
    :param channel_id: the channel.
    :return: the key.
    """
    return f'{PREFIX}/{robot}/data/{channel_id}'


def up_key(robot: str, relay: str, viewer: int) -> str:
    """
    Name the key of a viewer's frames to the robot.

    :param robot: the robot's name.
    :param relay: the relay's instance.
    :param viewer: the viewer's number at that relay.
    :return: the key.
    """
    return f'{PREFIX}/{robot}/up/{relay}/{viewer}'


def down_key(robot: str, relay: str, viewer: int) -> str:
    """
    Name the key of the robot's frames to a viewer.

    :param robot: the robot's name.
    :param relay: the relay's instance.
    :param viewer: the viewer's number at that relay.
    :return: the key.
    """
    return f'{PREFIX}/{robot}/down/{relay}/{viewer}'


def viewer_key(robot: str, relay: str, viewer: int) -> str:
    """
    Name a viewer's liveliness token.

    :param robot: the robot's name.
    :param relay: the relay's instance.
    :param viewer: the viewer's number at that relay.
    :return: the key.
    """
    return f'{PREFIX}/{robot}/viewer/{relay}/{viewer}'


def read_viewer_key(key: str) -> Optional[tuple[str, int]]:
    """
    Read the relay and viewer of an ``up``, ``down`` or ``viewer`` key.

    :param key: e.g. ``fg/R/up/ab12/7``.
    :return: ``(relay, viewer)``, or None for another key.
    """
    parts = key.split('/')
    if len(parts) != 5 or parts[0] != PREFIX or not parts[4].isdigit():
        return None
    return parts[3], int(parts[4])


class Up(enum.IntEnum):
    """The first byte of what the relay sends a robot for a viewer."""

    OPEN = 1
    """A viewer came: JSON of :class:`ViewerOpen` follows."""
    TEXT = 2
    """A text frame of the viewer's follows (UTF-8)."""
    BINARY = 3
    """A binary frame of the viewer's follows."""
    CLOSE = 4
    """The viewer left."""


@dataclass(frozen=True)
class ViewerOpen:
    """Who a viewer is, as the relay's access file says: what the robot grants it, capped."""

    role: str
    """``viewer`` or ``operator``."""
    name: Optional[str]
    """Its token's name; None at a relay without an access file."""
    address: str
    """Where it connected from, for the robot's log."""
    relay: str = ''
    """The relay's name, in the robot's audit lines: ``token "x" via relay <relay>``."""
    topic_whitelist: Optional[tuple[str, ...]] = None
    client_topic_whitelist: Optional[tuple[str, ...]] = None
    service_whitelist: Optional[tuple[str, ...]] = None
    param_whitelist: Optional[tuple[str, ...]] = None


WHITELISTS = ('topic_whitelist', 'client_topic_whitelist', 'service_whitelist',
              'param_whitelist')


def pack_open(viewer: ViewerOpen) -> bytes:
    """
    Encode a viewer's arrival.

    :param viewer: who it is.
    :return: the bytes to put.
    """
    fields: dict[str, object] = {'role': viewer.role, 'name': viewer.name,
                                 'address': viewer.address, 'relay': viewer.relay}
    for key in WHITELISTS:
        value = getattr(viewer, key)
        if value is not None:
            fields[key] = list(value)
    return bytes((Up.OPEN,)) + json.dumps(fields, separators=(',', ':')).encode()


def pack_up(frame: TextOrBinary) -> bytes:
    """
    Encode one of a viewer's frames for the robot.

    :param frame: the WebSocket frame's text or bytes.
    :return: the bytes to put.
    """
    if isinstance(frame, str):
        return bytes((Up.TEXT,)) + frame.encode()
    return bytes((Up.BINARY,)) + frame


CLOSE = bytes((Up.CLOSE,))


class WireError(ValueError):
    """Bytes that do not read as what they should be."""


def read_up(data: bytes) -> tuple[Up, Union[ViewerOpen, TextOrBinary, None]]:
    """
    Read what the relay sent for a viewer.

    :param data: the sample's bytes.
    :return: its kind, and the open, the frame, or None for a close.
    :raises WireError: if it does not read.
    """
    if not data:
        raise WireError('empty message')
    try:
        kind = Up(data[0])
    except ValueError:
        raise WireError(f'unknown kind {data[0]}') from None
    body = data[1:]
    try:
        if kind == Up.TEXT:
            return kind, body.decode()
        if kind == Up.BINARY:
            return kind, bytes(body)
        if kind == Up.CLOSE:
            return kind, None
        return kind, _read_open(json.loads(body))
    except (UnicodeDecodeError, ValueError, TypeError) as exc:
        raise WireError(f'{kind.name.lower()} does not read: {exc}') from None


def _read_open(fields: object) -> ViewerOpen:
    if not isinstance(fields, dict):
        raise TypeError('not an object')
    role, name = fields.get('role'), fields.get('name')
    address, relay = fields.get('address', ''), fields.get('relay', '')
    if role not in ('viewer', 'operator') or not isinstance(address, str) or not isinstance(
            relay, str) or not (name is None or isinstance(name, str)):
        raise TypeError('role, name, address or relay')
    lists: dict[str, tuple[str, ...]] = {}
    for key in WHITELISTS:
        value = fields.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
            raise TypeError(key)
        lists[key] = tuple(value)
    return ViewerOpen(role, name, address, relay, **lists)


def pack_down(frames: Iterable[TextOrBinary]) -> bytes:
    """
    Encode a batch of the robot's frames for one viewer, in order.

    :param frames: text or binary WebSocket frames.
    :return: each as a kind byte (0 text, 1 binary), a 4-byte length and its bytes.
    """
    parts: list[bytes] = []
    for frame in frames:
        data = frame.encode() if isinstance(frame, str) else frame
        parts.append(_LENGTH.pack(0 if isinstance(frame, str) else 1, len(data)))
        parts.append(data)
    return b''.join(parts)


def read_down(data: bytes) -> list[TextOrBinary]:
    """
    Read a batch of frames for a viewer.

    :param data: as :func:`pack_down` made it.
    :return: the frames.
    :raises WireError: if it is cut short or a text is not UTF-8.
    """
    frames: list[TextOrBinary] = []
    offset, end = 0, len(data)
    while offset < end:
        if offset + _LENGTH.size > end:
            raise WireError('a frame header is cut short')
        kind, length = _LENGTH.unpack_from(data, offset)
        offset += _LENGTH.size
        if offset + length > end:
            raise WireError('a frame is cut short')
        body = bytes(data[offset:offset + length])
        offset += length
        try:
            frames.append(body.decode() if kind == 0 else body)
        except UnicodeDecodeError:
            raise WireError('a text frame is not UTF-8') from None
    return frames


def read_message_data(data: bytes) -> tuple[int, int, memoryview]:
    """
    Read a MessageData frame the robot published for a channel.

    :param data: the frame: opcode 1, subscription (the channel) id, log time, payload.
    :return: ``(channel_id, log_time_ns, payload)``; the payload is a view, not a copy.
    :raises WireError: if it is not one.
    """
    if len(data) < _MESSAGE_DATA.size or data[0] != 1:
        raise WireError('not a MessageData frame')
    _, channel_id, log_time = _MESSAGE_DATA.unpack_from(data)
    return channel_id, log_time, memoryview(data)[_MESSAGE_DATA.size:]


def pack_channels(channels: Iterable[Channel]) -> bytes:
    """
    Encode the channel table: each channel as advertised, and whether only its newest counts.

    :param channels: the robot's channels.
    :return: JSON.
    """
    table = [dict(c.to_json(), newestOnly=c.newest_only) for c in channels]
    return json.dumps(table, separators=(',', ':')).encode()


def read_channels(data: bytes) -> list[Channel]:
    """
    Read the channel table.

    :param data: as :func:`pack_channels` made it.
    :return: the channels.
    :raises WireError: if it does not read.
    """
    try:
        table = json.loads(data)
        return [Channel(int(c['id']), str(c['topic']), str(c['encoding']), str(c['schemaName']),
                        str(c['schema']), c.get('schemaEncoding'), bool(c.get('newestOnly')))
                for c in table]
    except (ValueError, TypeError, KeyError) as exc:
        raise WireError(f'channel table does not read: {exc!r}') from None
