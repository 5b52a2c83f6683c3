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
The bridge's settings: one table of parameters and one frozen config built from it.

:data:`PARAMETERS` is the single source of every parameter's name, type, default and meaning;
the node declares from it, and the YAML and launch files are tested against it. Names and
defaults follow the C++ foxglove_bridge so that this bridge is a drop-in replacement.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import os
import re
import socket
from typing import cast, Mapping, Optional, Sequence, TypeVar, Union

from foxglove_bridge_py.protocol import Capability
from foxglove_bridge_py.ros_rules.names import is_hidden, matches_any


class ConfigError(ValueError):
    """A parameter value the bridge cannot start with; the text names the parameter."""


ParameterValue = Union[bool, int, float, str, Sequence[str], Sequence[float]]
"""What a ROS parameter of the bridge holds: its type is its default's."""


@dataclass(frozen=True)
class ParameterSpec:
    """One node parameter: its name, default (which fixes its type) and meaning."""

    name: str
    default: ParameterValue
    description: str
    int_range: Optional[tuple[int, int]] = None


INT32_MAX = 2**31 - 1
DEFAULT_ASSET_URI_ALLOWLIST = (
    r'^package://(?:[-\w%]+/)*[-\w%.]+\.(?:dae|fbx|glb|gltf|jpeg|jpg|mtl|obj|png|stl|tif|tiff|'
    r'urdf|webp|xacro)$')
DEFAULT_CAPABILITIES = (
    Capability.CLIENT_PUBLISH.value, Capability.PARAMETERS.value,
    Capability.PARAMETERS_SUBSCRIBE.value, Capability.SERVICES.value,
    Capability.CONNECTION_GRAPH.value, Capability.ASSETS.value)

PARAMETERS: tuple[ParameterSpec, ...] = (
    ParameterSpec('port', 8765, 'TCP port of the WebSocket server; 0 picks a free port, which is '
                  'then logged and published as the read-only parameter actual_port.',
                  (0, 65535)),
    ParameterSpec('address', '0.0.0.0', 'Address the WebSocket server binds to.'),
    ParameterSpec('tls', False, 'Serve wss:// (TLS) with certfile and keyfile.'),
    ParameterSpec('certfile', '', 'PEM certificate file; required when tls is true.'),
    ParameterSpec('keyfile', '', 'PEM private key file; required when tls is true.'),
    ParameterSpec('access_file', '', 'YAML file of access tokens and their roles (viewer or '
                  'operator); clients present a token as ?token= in the URL or as an '
                  'Authorization: Bearer header. Read again when it changes. Empty: no access '
                  'control, anyone who reaches the port may do everything.'),
    ParameterSpec('topic_whitelist', ['.*'], 'Regular expressions (full match, case-insensitive) '
                  'of the topics to advertise.'),
    ParameterSpec('service_whitelist', ['.*'], 'Regular expressions of the services to '
                  'advertise.'),
    ParameterSpec('param_whitelist', ['.*'], 'Regular expressions of the parameters '
                  '(/node.param) clients may see and set.'),
    ParameterSpec('client_topic_whitelist', ['.*'], 'Regular expressions of the topics clients '
                  'may publish to.'),
    ParameterSpec('best_effort_qos_topic_whitelist', ['(?!)'], 'Regular expressions of the '
                  'topics always subscribed with best-effort reliability.'),
    ParameterSpec('topic_throttle_patterns', ['(?!)'], 'Regular expressions of topics '
                  'forwarded at most at a rate: the rate at the same position in '
                  'topic_throttle_rates (newest message wins; latched topics are exempt).'),
    ParameterSpec('topic_throttle_rates', [0.0], 'Hz for each of topic_throttle_patterns (a '
                  'number with a decimal point, e.g. 5.0; 0 or less: no limit).'),
    ParameterSpec('image_twins', True, 'Also advertise a compressed twin of every '
                  'sensor_msgs/msg/Image topic, named with /foxglove/jpeg appended (a '
                  'CompressedImage: JPEG, or 16-bit PNG for depth), encoded only while a client '
                  'subscribes to it.'),
    ParameterSpec('image_twin_topic_whitelist', ['.*'], 'Regular expressions of the image '
                  'topics that get a twin.'),
    ParameterSpec('image_twin_max_rate', 10.0, 'Most frames per second an image twin carries '
                  '(newest frame wins; 0 or less: every frame the encoder keeps up with).'),
    ParameterSpec('image_twin_quality', 60, 'JPEG quality of the image twins, 1 to 100 (60: a '
                  '1080p frame in about 200 KB).',
                  (1, 100)),
    ParameterSpec('video_twins', True, 'Also advertise an H.264 twin of every image topic of '
                  'image_twin_topic_whitelist, named with /foxglove/h264 appended (a '
                  'foxglove_msgs/msg/CompressedVideo; needs PyAV), encoded only while a client '
                  'subscribes to it.'),
    ParameterSpec('video_twin_bitrate', 2000000, 'Bits per second the H.264 twins aim at (a '
                  'keyframe each second, at image_twin_max_rate frames per second).',
                  (10000, INT32_MAX)),
    ParameterSpec('cloud_twins', True, 'Also advertise a downsampled twin of every '
                  'sensor_msgs/msg/PointCloud2 topic, named with /foxglove/downsampled appended '
                  '(every field kept), made only while a client subscribes to it.'),
    ParameterSpec('cloud_twin_topic_whitelist', ['.*'], 'Regular expressions of the point cloud '
                  'topics that get a twin.'),
    ParameterSpec('cloud_twin_max_points', 100000, 'Most points a cloud twin carries (evenly '
                  'spread over the cloud).', (1, INT32_MAX)),
    ParameterSpec('cloud_twin_max_rate', 10.0, 'Most clouds per second a cloud twin carries '
                  '(newest cloud wins; 0 or less: no limit).'),
    ParameterSpec('min_qos_depth', 1, 'Smallest history depth of a topic subscription.',
                  (0, INT32_MAX)),
    ParameterSpec('max_qos_depth', 25, 'Largest history depth of a topic subscription.',
                  (0, INT32_MAX)),
    ParameterSpec('num_threads', 0, 'Accepted for compatibility with the C++ bridge; the Python '
                  'bridge runs one ROS executor thread and one asyncio thread.', (0, INT32_MAX)),
    ParameterSpec('send_buffer_limit', 10000000, 'Bytes of messages queued for one client; '
                  'each subscribed channel keeps its share, and a channel over its share '
                  'drops its own oldest messages.', (1, 2**62)),
    ParameterSpec('message_backlog_size', 1024, 'Messages queued for one client before the '
                  'oldest are dropped, beside the bytes of send_buffer_limit: whichever is '
                  'reached first (the channel with the most waiting loses its oldest).',
                  (1, INT32_MAX)),
    ParameterSpec('max_message_age_ms', 5000, 'Milliseconds a message may wait for a slow '
                  'client before it is dropped instead of sent (latched messages excepted); 0 '
                  'keeps them however old.', (0, INT32_MAX)),
    ParameterSpec('use_compression', False, 'Offer permessage-deflate compression to clients.'),
    ParameterSpec('capabilities', list(DEFAULT_CAPABILITIES), 'Protocol capabilities to offer '
                  '(time is added by use_sim_time).'),
    ParameterSpec('include_hidden', False, 'Also advertise hidden topics and services (a name '
                  'part starting with _).'),
    ParameterSpec('asset_uri_allowlist', [DEFAULT_ASSET_URI_ALLOWLIST], 'Regular expressions of '
                  'the asset URIs clients may fetch.'),
    ParameterSpec('ignore_unresponsive_param_nodes', True, 'Skip nodes that did not answer a '
                  'parameter request in later get-all requests.'),
    ParameterSpec('publish_client_count', False, 'Publish the number of connected clients on '
                  '/foxglove_bridge/client_count.'),
    ParameterSpec('debug', False, 'Log at debug level.'),
    ParameterSpec('service_call_timeout_ms', 5000, 'Milliseconds a service call from a client '
                  'may take before it fails with a timeout.', (1, INT32_MAX)),
    ParameterSpec('parameter_timeout_ms', 5000, 'Milliseconds another node may take to answer a '
                  'parameter request before it is skipped.', (1, INT32_MAX)),
    ParameterSpec('playback_file', '', 'Play back this recording (an MCAP file, or a rosbag2 '
                  'folder of MCAP files) to clients, with play, pause, seek and speed, instead of '
                  'bridging the live graph.'),
    ParameterSpec('playback_publish', False, 'With playback_file, also publish the played '
                  'messages (CDR as recorded) and /clock into ROS, as ros2 bag play does.'),
    ParameterSpec('allowed_origins', ['.*'], 'Regular expressions of the browser origins '
                  '(Origin header) allowed to connect; clients that send no Origin (not '
                  'browsers) are always allowed. Narrow it so that web pages cannot reach the '
                  'robot.'),
    ParameterSpec('max_clients', 100, 'Clients connected at once; one more gets an error '
                  'status and is closed.', (1, INT32_MAX)),
    ParameterSpec('max_message_size', 64 * 1024 * 1024, 'Largest message accepted from a '
                  'client, in bytes; a larger one gets an error status, and one over twice as '
                  'large closes its connection with code 1009.',
                  (1024, 2**31 - 1)),
    ParameterSpec('max_json_message_size', 1024 * 1024, 'Largest JSON (text) message accepted '
                  'from a client, in bytes; a larger one gets an error status before it is '
                  'parsed, so that no request holds the bridge up for other clients.',
                  (1024, 2**31 - 1)),
    ParameterSpec('max_subscriptions_per_client', 10000, 'Subscriptions one client may hold.',
                  (1, INT32_MAX)),
    ParameterSpec('max_channels_per_client', 1000, 'Channels one client may advertise for '
                  'publishing.', (1, INT32_MAX)),
    ParameterSpec('ping_interval_ms', 10000, 'Milliseconds between keepalive pings to each '
                  'client.', (100, INT32_MAX)),
    ParameterSpec('ping_timeout_ms', 10000, 'Milliseconds a client may take to answer a ping, '
                  'or to take any bytes while data waits for it, before it is considered gone '
                  'and cleaned up.', (100, INT32_MAX)),
    ParameterSpec('session_id', '', 'Session id sent to clients; empty: the start time in '
                  'milliseconds. The ~/clear_session service starts a new session.'),
    ParameterSpec('clear_session_on_clock_jump', True, 'Start a new session when /clock jumps '
                  'backwards (a restarted simulation), with use_sim_time.'),
    ParameterSpec('status_endpoint', True, 'Also answer plain HTTP GET / (a page for the '
                  'operator), /status (the figures of the bridge as JSON) and /healthz (200 '
                  'while the asyncio loop and the ROS executor both turn, 503 otherwise) on the '
                  'WebSocket port; browser requests obey allowed_origins.'),
    ParameterSpec('diagnostics_as_status', True, 'Show /diagnostics entries at WARN, ERROR or '
                  "STALE in the app's problems panel until they are OK again (except the "
                  "bridge's own)."),
    ParameterSpec('publish_diagnostics', True, "Publish the bridge's own "
                  'diagnostic_msgs/DiagnosticArray on /diagnostics once a second: one status '
                  'for the server and one per client (WARN while a client loses data or its '
                  'queue is over half full, ERROR while the asyncio loop lags over 250 ms).'),
    ParameterSpec('sysinfo', True, "Advertise a channel with the host's and the bridge "
                  "process's CPU and memory (JSON, the C++ bridge's foxglove.SystemInfo), "
                  'sampled while a client subscribes (not with playback_file).'),
    ParameterSpec('sysinfo_topic', '/foxglove_bridge/sysinfo', 'Topic of the sysinfo channel.'),
    ParameterSpec('sysinfo_refresh_interval', 500, 'Milliseconds between two sysinfo messages '
                  '(at least 200, for CPU figures to mean something).', (200, INT32_MAX)),
    ParameterSpec('relay_connect', [], 'Zenoh endpoints of a foxglove_relay to dial out to, '
                  'e.g. tls/relay.example.com:7447, so that viewers reach this robot at '
                  'ws://<relay>:8765/<relay_name> with no inbound port (needs the eclipse-zenoh '
                  'package); empty: off. Only these endpoints are dialled: no scouting, no '
                  'gossip.'),
    ParameterSpec('relay_name', '', 'Name of this robot at the relay: letters, digits, _ and '
                  '-; empty: the host name. Where the relay checks credentials, the Zenoh user '
                  'name must be this name.'),
    ParameterSpec('relay_zenoh_config', '', 'Zenoh JSON5 configuration file for the relay link '
                  '(TLS certificates, user and password, QUIC); relay_connect and the no-scouting '
                  'settings are applied over it. Empty: plain defaults.'),
    ParameterSpec('relay_role', 'viewer', 'The most anyone coming through the relay may do: '
                  'viewer (see only) or operator (also publish, call services, set parameters; '
                  'each viewer still needs an operator token at the relay).'),
)
"""Every parameter the node declares, with the C++ bridge's names and defaults."""

PARAMETER_DEFAULTS: Mapping[str, ParameterValue] = {p.name: p.default for p in PARAMETERS}

IMPLEMENTED_CAPABILITIES = frozenset({
    Capability.CLIENT_PUBLISH.value, Capability.SERVICES.value, Capability.PARAMETERS.value,
    Capability.PARAMETERS_SUBSCRIBE.value, Capability.CONNECTION_GRAPH.value,
    Capability.ASSETS.value})
"""Capabilities this bridge can serve from the parameter; others are not offered to clients."""

KNOWN_CAPABILITIES = frozenset(c.value for c in Capability)
"""The protocol's capabilities: the ones the ``capabilities`` parameter chooses among, as the C++
bridge's does; another name there is ignored with a warning. A bridge's own capability is not
chosen here: registering its module offers it (``CapabilityModule.offers``), so a ROS user
finds it on without listing it, and a fork adds one without editing this file."""


def compile_patterns(name: str, patterns: Sequence[str]) -> tuple[re.Pattern, ...]:
    """
    Compile a list of regular expressions, case-insensitive, for full matching.

    :param name: the parameter the patterns come from, for the error text.
    :param patterns: the expressions.
    :return: the compiled patterns.
    :raises ConfigError: naming the first pattern that is not a valid expression.
    """
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise ConfigError(f'parameter {name}: invalid regular expression {pattern!r}: {exc}'
                              ) from None
    return tuple(compiled)


@dataclass(frozen=True)
class BridgeConfig:
    """All settings of one bridge, checked and compiled."""

    port: int
    address: str
    tls: bool
    certfile: str
    keyfile: str
    access_file: str
    topic_whitelist: tuple[re.Pattern, ...]
    service_whitelist: tuple[re.Pattern, ...]
    param_whitelist: tuple[re.Pattern, ...]
    client_topic_whitelist: tuple[re.Pattern, ...]
    best_effort_qos_topic_whitelist: tuple[re.Pattern, ...]
    topic_throttle_patterns: tuple[re.Pattern, ...]
    topic_throttle_rates: tuple[float, ...]
    image_twins: bool
    image_twin_topic_whitelist: tuple[re.Pattern, ...]
    image_twin_max_rate: float
    image_twin_quality: int
    video_twins: bool
    video_twin_bitrate: int
    cloud_twins: bool
    cloud_twin_topic_whitelist: tuple[re.Pattern, ...]
    cloud_twin_max_points: int
    cloud_twin_max_rate: float
    min_qos_depth: int
    max_qos_depth: int
    send_buffer_limit: int
    message_backlog_size: int
    max_message_age_ms: int
    use_compression: bool
    capabilities: tuple[str, ...]
    include_hidden: bool
    asset_uri_allowlist: tuple[re.Pattern, ...]
    ignore_unresponsive_param_nodes: bool
    publish_client_count: bool
    debug: bool
    service_call_timeout_ms: int
    parameter_timeout_ms: int
    playback_file: str
    allowed_origins: tuple[re.Pattern, ...]
    max_clients: int
    max_message_size: int
    max_json_message_size: int
    max_subscriptions_per_client: int
    max_channels_per_client: int
    ping_interval_ms: int
    ping_timeout_ms: int
    playback_publish: bool
    session_id: str
    clear_session_on_clock_jump: bool
    diagnostics_as_status: bool
    status_endpoint: bool
    publish_diagnostics: bool
    sysinfo: bool
    sysinfo_topic: str
    sysinfo_refresh_interval: int
    relay_connect: tuple[str, ...]
    relay_name: str
    relay_zenoh_config: str
    relay_role: str
    use_sim_time: bool
    warnings: tuple[str, ...] = ()

    @classmethod
    def from_parameters(cls, values: Mapping[str, object], *, use_sim_time: bool = False
                        ) -> BridgeConfig:
        """
        Check parameter values and build the config; absent values take their defaults.

        :param values: parameter values by name.
        :param use_sim_time: the node's use_sim_time, which turns on the time capability.
        :return: the config.
        :raises ConfigError: naming the parameter whose value cannot be used.
        """
        v: dict[str, object] = dict(PARAMETER_DEFAULTS)
        v.update({k: val for k, val in values.items() if val is not None})
        _check_values(v)
        capabilities, warnings = _capabilities(v, use_sim_time)
        # Every field is its parameter's value, lists of patterns compiled: the table in
        # PARAMETERS is the one place a parameter is declared.
        names = {f.name for f in dataclasses.fields(cls)}
        fields = {spec.name: (compile_patterns(spec.name, _checked(v, spec.name, list))
                              if spec.name in PATTERN_PARAMETERS else v[spec.name])
                  for spec in PARAMETERS if spec.name in names}
        fields['capabilities'] = capabilities
        fields['topic_throttle_rates'] = tuple(_numbers(v['topic_throttle_rates']))
        fields['relay_connect'] = tuple(_checked(v, 'relay_connect', list))
        fields['relay_name'] = _checked(v, 'relay_name', str) or host_relay_name()
        for spec in PARAMETERS:
            if isinstance(spec.default, float):
                fields[spec.name] = _numbers([v[spec.name]])[0]
        # Each value was checked against its parameter's type by _check_values.
        return cls(**fields, use_sim_time=use_sim_time,  # type: ignore[arg-type]
                   warnings=warnings)

    def throttle_period(self, topic: str) -> float:
        """
        Give the least time between two messages forwarded from a topic.

        :param topic: a fully qualified topic name.
        :return: seconds; 0 when the topic is not throttled.
        """
        for pattern, rate in zip(self.topic_throttle_patterns, self.topic_throttle_rates):
            if pattern.fullmatch(topic):
                return 1.0 / rate if rate > 0 else 0.0
        return 0.0

    def topic_allowed(self, topic: str) -> bool:
        """
        Tell whether a topic may be advertised (whitelist and hidden rule).

        :param topic: a fully qualified topic name.
        :return: True if it may be advertised.
        """
        if not self.include_hidden and is_hidden(topic):
            return False
        return matches_any(self.topic_whitelist, topic)


PATTERN_PARAMETERS = frozenset({
    'topic_whitelist', 'service_whitelist', 'param_whitelist', 'client_topic_whitelist',
    'best_effort_qos_topic_whitelist', 'asset_uri_allowlist', 'allowed_origins',
    'topic_throttle_patterns', 'image_twin_topic_whitelist', 'cloud_twin_topic_whitelist'})
"""The list parameters whose entries are regular expressions."""


Checked = TypeVar('Checked', int, str, list)


def _checked(v: Mapping[str, object], name: str, kind: type[Checked]) -> Checked:
    return cast(Checked, v[name])  # its type checked against its default's by _check_type


def _numbers(values: object) -> list[float]:
    return [float(x) for x in cast(Sequence[float], values)]  # checked by _check_type


def _check_values(v: Mapping[str, object]) -> None:
    for spec in PARAMETERS:
        _check_type(spec, v[spec.name])
        if spec.int_range is not None:
            low, high = spec.int_range
            if not low <= _checked(v, spec.name, int) <= high:
                raise ConfigError(f'parameter {spec.name}: {v[spec.name]} is outside '
                                  f'{low}..{high}')
    patterns = len(_checked(v, 'topic_throttle_patterns', list))
    rates = len(_checked(v, 'topic_throttle_rates', list))
    if patterns != rates:
        raise ConfigError(
            f'parameters topic_throttle_patterns and topic_throttle_rates: they pair up by '
            f'position, but there are {patterns} patterns and {rates} rates')
    if _checked(v, 'max_qos_depth', int) < _checked(v, 'min_qos_depth', int):
        raise ConfigError(f'parameter max_qos_depth: {v["max_qos_depth"]} is below '
                          f'min_qos_depth {v["min_qos_depth"]}')
    _check_relay(v)
    if v['tls']:
        for key in ('certfile', 'keyfile'):
            if not v[key]:
                raise ConfigError(f'parameter {key}: required when tls is true')
            if not os.path.isfile(_checked(v, key, str)):
                raise ConfigError(f'parameter {key}: file {v[key]!r} does not exist')


RELAY_NAME = re.compile(r'[A-Za-z0-9_-]{1,64}')
"""What a robot's name at a relay may be: one path segment and one Zenoh key chunk."""
RELAY_ROLES = ('viewer', 'operator')


def host_relay_name() -> str:
    """
    Give this host's name as a robot name at a relay (other characters become ``-``).

    :return: e.g. ``robot-7`` for ``robot-7.local``'s first label.
    """
    label = socket.gethostname().split('.', 1)[0]
    return re.sub(r'[^A-Za-z0-9_-]', '-', label)[:64] or 'robot'


def _check_relay(v: Mapping[str, object]) -> None:
    name = _checked(v, 'relay_name', str)
    if name and not RELAY_NAME.fullmatch(name):
        raise ConfigError(f'parameter relay_name: {name!r} may hold only letters, digits, _ '
                          'and - (1 to 64)')
    if v['relay_role'] not in RELAY_ROLES:
        raise ConfigError(f'parameter relay_role: {v["relay_role"]!r} is not one of '
                          f'{", ".join(RELAY_ROLES)}')
    config_file = _checked(v, 'relay_zenoh_config', str)
    if config_file and not os.path.isfile(config_file):
        raise ConfigError(f'parameter relay_zenoh_config: file {config_file!r} does not exist')


def _capabilities(v: Mapping[str, object], use_sim_time: bool
                  ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    warnings = []
    capabilities = []
    for cap in _checked(v, 'capabilities', list):
        if cap not in KNOWN_CAPABILITIES:
            warnings.append(f'parameter capabilities: unknown capability {cap!r} ignored')
        elif cap in IMPLEMENTED_CAPABILITIES and cap not in capabilities:
            capabilities.append(cap)
    # As in the C++ bridge, time follows use_sim_time alone: /clock becomes Time messages.
    if use_sim_time:
        capabilities.append(Capability.TIME.value)
    if v['playback_file']:
        # A recording offers playback and its own time; the live-graph features do not apply.
        capabilities = [Capability.PLAYBACK_CONTROL.value, Capability.TIME.value]
    return tuple(capabilities), tuple(warnings)


def _check_type(spec: ParameterSpec, value: object) -> None:
    default = spec.default
    if isinstance(default, bool):
        ok = isinstance(value, bool)
        want = 'a boolean'
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
        want = 'an integer'
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        want = 'a number'
    elif isinstance(default, str):
        ok = isinstance(value, str)
        want = 'a string'
    elif default and isinstance(default[0], float):
        ok = isinstance(value, (list, tuple)) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)
        want = 'a list of numbers'
    else:
        ok = isinstance(value, (list, tuple)) and all(isinstance(s, str) for s in value)
        want = 'a list of strings'
    if not ok:
        raise ConfigError(f'parameter {spec.name}: expected {want}, got {value!r}')
