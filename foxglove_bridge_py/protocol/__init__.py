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
Foxglove WebSocket protocol v1: what every op shares, and nothing that does I/O.

:mod:`.vocabulary` names the opcodes, capabilities, the core's messages and the channel and
service descriptions; :mod:`.decode` reads a client frame's envelope and holds the field checks
every op's decoder uses, raising :class:`ProtocolError`, whose text is fit to send back in a
``status`` message; :mod:`.encode` turns the messages every client gets into compact JSON text or
binary frames. Each capability's own ops are declared in its module (``capabilities/``).
Everything here is re-exported, so callers write ``protocol.advertise``.
"""

from foxglove_bridge_py.protocol.decode import (array, decode_subscribe, decode_unsubscribe,
                                                describe_value, field, json_object, JsonObject,
                                                optional_string, parse_json, read_text, string,
                                                string_list, u32, u32_list, utf8)
from foxglove_bridge_py.protocol.encode import (advertise, encode_json, message_data_header,
                                                remove_status, server_info, status, unadvertise)
from foxglove_bridge_py.protocol.vocabulary import (Capability, Channel, ClientBinaryOpcode,
                                                    MESSAGE_DATA_HEADER, ProtocolError,
                                                    ServerBinaryOpcode, Service, StatusLevel,
                                                    SUBPROTOCOLS, Subscribe, SubscriptionRequest,
                                                    U32_MAX, Unsubscribe)

__all__ = [
    'Capability', 'Channel', 'ClientBinaryOpcode', 'JsonObject', 'MESSAGE_DATA_HEADER',
    'ProtocolError', 'SUBPROTOCOLS', 'ServerBinaryOpcode', 'Service', 'StatusLevel', 'Subscribe',
    'SubscriptionRequest', 'U32_MAX', 'Unsubscribe', 'advertise', 'array', 'decode_subscribe',
    'decode_unsubscribe', 'describe_value', 'encode_json', 'field', 'json_object',
    'message_data_header', 'optional_string', 'parse_json', 'read_text', 'remove_status',
    'server_info', 'status', 'string', 'string_list', 'u32', 'u32_list', 'unadvertise', 'utf8',
]
