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

"""Encoding server messages: compact JSON text and binary frames."""

from __future__ import annotations

import base64
import json
import math
from typing import Any, Mapping, Optional, Sequence

from foxglove_bridge_py.protocol.vocabulary import (Channel, FETCH_ASSET_HEADER,
                                                    MESSAGE_DATA_HEADER, Parameter,
                                                    PLAYBACK_STATE_HEADER, ServerBinaryOpcode,
                                                    Service, SERVICE_CALL_HEADER, StatusLevel,
                                                    TIME_FRAME)


# --- server messages ---------------------------------------------------------------------------

def _finite(value: Any) -> Any:
    """Replace NaN and infinities, which browsers cannot parse, with null (as serde_json does)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def encode_json(message: Mapping[str, Any]) -> str:
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


def time_frame(timestamp_ns: int) -> bytes:
    """
    Encode a Time frame.

    :param timestamp_ns: the server's current time in nanoseconds.
    :return: the frame.
    """
    return TIME_FRAME.pack(ServerBinaryOpcode.TIME, timestamp_ns)


def service_call_response(service_id: int, call_id: int, encoding: str, payload: bytes) -> bytes:
    """
    Encode a ServiceCallResponse frame.

    :param service_id: the service's id.
    :param call_id: the id of the call being answered.
    :param encoding: the payload's encoding.
    :param payload: the serialized response.
    :return: the frame.
    """
    enc = encoding.encode()
    return SERVICE_CALL_HEADER.pack(ServerBinaryOpcode.SERVICE_CALL_RESPONSE, service_id,
                                    call_id, len(enc)) + enc + payload


def fetch_asset_response(request_id: int, *, data: bytes = b'', error: Optional[str] = None
                         ) -> bytes:
    """
    Encode a FetchAssetResponse frame: the asset, or an error text.

    :param request_id: the request being answered.
    :param data: the asset's bytes, on success.
    :param error: the reason, on failure.
    :return: the frame.
    """
    if error is None:
        return FETCH_ASSET_HEADER.pack(ServerBinaryOpcode.FETCH_ASSET_RESPONSE, request_id,
                                       0, 0) + data
    err = error.encode()
    return FETCH_ASSET_HEADER.pack(ServerBinaryOpcode.FETCH_ASSET_RESPONSE, request_id,
                                   1, len(err)) + err


def playback_state(status_code: int, current_time_ns: int, speed: float, did_seek: bool,
                   request_id: str = '') -> bytes:
    """
    Encode a PlaybackState frame.

    :param status_code: 0 playing, 1 paused, 2 buffering, 3 ended.
    :param current_time_ns: the playback time in nanoseconds.
    :param speed: playback speed as a factor of real time.
    :param did_seek: whether this state follows a seek.
    :param request_id: the request answered, or empty when unsolicited.
    :return: the frame.
    """
    rid = request_id.encode()
    return PLAYBACK_STATE_HEADER.pack(ServerBinaryOpcode.PLAYBACK_STATE, status_code,
                                      current_time_ns, speed, int(did_seek), len(rid)) + rid


def advertise_services(services: Sequence[Service]) -> str:
    """
    Encode ``advertiseServices``.

    :param services: the services to announce.
    :return: the JSON text.
    """
    return encode_json({'op': 'advertiseServices', 'services': [s.to_json() for s in services]})


def unadvertise_services(service_ids: Sequence[int]) -> str:
    """
    Encode ``unadvertiseServices``.

    :param service_ids: ids of services that are gone.
    :return: the JSON text.
    """
    return encode_json({'op': 'unadvertiseServices', 'serviceIds': list(service_ids)})


def service_call_failure(service_id: int, call_id: int, message: str) -> str:
    """
    Encode ``serviceCallFailure``.

    :param service_id: the service called.
    :param call_id: the failed call.
    :param message: why it failed.
    :return: the JSON text.
    """
    return encode_json({'op': 'serviceCallFailure', 'serviceId': service_id, 'callId': call_id,
                        'message': message})


def parameter_values(parameters: Sequence[Parameter], request_id: Optional[str] = None) -> str:
    """
    Encode ``parameterValues``; a parameter without a value is sent without ``value``.

    :param parameters: the parameters.
    :param request_id: the id of the get or set request answered, if any.
    :return: the JSON text.
    """
    entries = []
    for parameter in parameters:
        entry: dict = {'name': parameter.name}
        if parameter.value is not None:
            value = parameter.value
            if parameter.type == 'byte_array':
                value = base64.b64encode(bytes(value)).decode()
            entry['value'] = value
        if parameter.type is not None:
            entry['type'] = parameter.type
        entries.append(entry)
    message: dict = {'op': 'parameterValues', 'parameters': entries}
    if request_id is not None:
        message['id'] = request_id
    return encode_json(message)


def connection_graph_update(*, published: Mapping[str, Sequence[str]] = None,
                            subscribed: Mapping[str, Sequence[str]] = None,
                            services: Mapping[str, Sequence[str]] = None,
                            removed_topics: Sequence[str] = (),
                            removed_services: Sequence[str] = ()) -> str:
    """
    Encode ``connectionGraphUpdate``; every field is present, possibly empty.

    :param published: topic name to publisher ids.
    :param subscribed: topic name to subscriber ids.
    :param services: service name to provider ids.
    :param removed_topics: topics no longer in the graph.
    :param removed_services: services no longer in the graph.
    :return: the JSON text.
    """
    return encode_json({
        'op': 'connectionGraphUpdate',
        'publishedTopics': [{'name': n, 'publisherIds': sorted(ids)}
                            for n, ids in sorted((published or {}).items())],
        'subscribedTopics': [{'name': n, 'subscriberIds': sorted(ids)}
                             for n, ids in sorted((subscribed or {}).items())],
        'advertisedServices': [{'name': n, 'providerIds': sorted(ids)}
                               for n, ids in sorted((services or {}).items())],
        'removedTopics': sorted(removed_topics), 'removedServices': sorted(removed_services)})
