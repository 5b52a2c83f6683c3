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
Foxglove WebSocket protocol v1: wire vocabulary and a pure codec, nothing that does I/O.

:mod:`.vocabulary` names the opcodes, capabilities and messages; :mod:`.decode` validates a client
frame completely and returns a frozen dataclass or raises :class:`ProtocolError`, whose text is
fit to send back in a ``status`` message; :mod:`.encode` turns server messages into compact JSON
text or binary frames. Everything is re-exported here, so callers write ``protocol.advertise``.
"""

from foxglove_bridge_py.protocol.decode import (decode_binary, decode_text, describe_value,
                                                parse_json)
from foxglove_bridge_py.protocol.encode import (advertise, advertise_services,
                                                connection_graph_update, encode_json,
                                                fetch_asset_response, message_data_header,
                                                parameter_values, playback_state, remove_status,
                                                server_info, service_call_failure,
                                                service_call_response, status, time_frame,
                                                unadvertise, unadvertise_services)
from foxglove_bridge_py.protocol.vocabulary import (Capability, Channel, CLIENT_MESSAGE_HEADER,
                                                    ClientAdvertise, ClientBinaryOpcode,
                                                    ClientChannel, ClientMessage,
                                                    ClientMessageData, ClientUnadvertise,
                                                    FETCH_ASSET_HEADER, FetchAsset, GetParameters,
                                                    MESSAGE_DATA_HEADER, OP_CAPABILITY, Parameter,
                                                    PLAYBACK_CONTROL_HEADER, PLAYBACK_STATE_HEADER,
                                                    PlaybackControlRequest, ProtocolError,
                                                    ServerBinaryOpcode, Service,
                                                    SERVICE_CALL_HEADER, ServiceCallRequest,
                                                    SetParameters, StatusLevel, SUBPROTOCOLS,
                                                    Subscribe, SubscribeConnectionGraph,
                                                    SubscribeParameterUpdates, SubscriptionRequest,
                                                    TIME_FRAME, U32_MAX, Unsubscribe,
                                                    UnsubscribeConnectionGraph,
                                                    UnsubscribeParameterUpdates)

__all__ = [
    'CLIENT_MESSAGE_HEADER', 'Capability', 'Channel', 'ClientAdvertise', 'ClientBinaryOpcode',
    'ClientChannel', 'ClientMessage', 'ClientMessageData', 'ClientUnadvertise',
    'FETCH_ASSET_HEADER', 'FetchAsset', 'GetParameters', 'MESSAGE_DATA_HEADER', 'OP_CAPABILITY',
    'PLAYBACK_CONTROL_HEADER', 'PLAYBACK_STATE_HEADER', 'Parameter', 'PlaybackControlRequest',
    'ProtocolError', 'SERVICE_CALL_HEADER', 'SUBPROTOCOLS', 'ServerBinaryOpcode', 'Service',
    'ServiceCallRequest', 'SetParameters', 'StatusLevel', 'Subscribe', 'SubscribeConnectionGraph',
    'SubscribeParameterUpdates', 'SubscriptionRequest', 'TIME_FRAME', 'U32_MAX', 'Unsubscribe',
    'UnsubscribeConnectionGraph', 'UnsubscribeParameterUpdates', 'advertise', 'advertise_services',
    'connection_graph_update', 'decode_binary', 'decode_text', 'describe_value', 'encode_json',
    'fetch_asset_response', 'message_data_header', 'parameter_values', 'parse_json',
    'playback_state', 'remove_status', 'server_info', 'service_call_failure',
    'service_call_response', 'status', 'time_frame', 'unadvertise', 'unadvertise_services',
]
