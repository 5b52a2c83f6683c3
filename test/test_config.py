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

"""Parameters: one table, checked values, and config, YAML and launch files that agree."""

import ast
import os
import re
import xml.etree.ElementTree as ElementTree

from foxglove_bridge_py.config import BridgeConfig, ConfigError, PARAMETER_DEFAULTS
from foxglove_bridge_py.ros_rules.names import is_hidden
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_defaults_are_the_cpp_bridges():
    assert PARAMETER_DEFAULTS['port'] == 8765
    assert PARAMETER_DEFAULTS['address'] == '0.0.0.0'
    assert PARAMETER_DEFAULTS['topic_whitelist'] == ['.*']
    assert PARAMETER_DEFAULTS['min_qos_depth'] == 1
    assert PARAMETER_DEFAULTS['max_qos_depth'] == 25
    assert PARAMETER_DEFAULTS['send_buffer_limit'] == 10000000
    assert PARAMETER_DEFAULTS['use_compression'] is False
    assert PARAMETER_DEFAULTS['include_hidden'] is False
    assert PARAMETER_DEFAULTS['best_effort_qos_topic_whitelist'] == ['(?!)']
    assert PARAMETER_DEFAULTS['capabilities'] == [
        'clientPublish', 'parameters', 'parametersSubscribe', 'services', 'connectionGraph',
        'assets']


def test_default_config():
    config = BridgeConfig.from_parameters({})
    assert config.port == 8765
    assert config.topic_allowed('/chatter')
    assert not config.topic_allowed('/_hidden')


def test_whitelists_full_match_case_insensitive():
    config = BridgeConfig.from_parameters({'topic_whitelist': ['/camera/.*', '/tf']})
    assert config.topic_allowed('/CAMERA/image')
    assert config.topic_allowed('/tf')
    assert not config.topic_allowed('/tf_static')
    assert not config.topic_allowed('/x/camera/image')


def test_hidden_names():
    assert is_hidden('/_action/feedback')
    assert is_hidden('/ns/_private')
    assert not is_hidden('/ns/public_')


@pytest.mark.parametrize('values, text', [
    ({'topic_whitelist': ['/ok', '(unclosed']},
     "topic_whitelist: invalid regular expression '(unclosed'"),
    ({'port': 70000}, 'port: 70000 is outside 0..65535'),
    ({'port': 'x'}, 'port: expected an integer'),
    ({'include_hidden': 1}, 'include_hidden: expected a boolean'),
    ({'capabilities': 'services'}, 'capabilities: expected a list of strings'),
    ({'min_qos_depth': 5, 'max_qos_depth': 2}, 'max_qos_depth: 2 is below min_qos_depth 5'),
    ({'tls': True}, 'certfile: required when tls is true'),
    ({'topic_throttle_patterns': ['/a', '/b'], 'topic_throttle_rates': [5.0]},
     'parameters topic_throttle_patterns and topic_throttle_rates: they pair up by position, '
     'but there are 2 patterns and 1 rates'),
    ({'topic_throttle_rates': ['fast']}, 'topic_throttle_rates: expected a list of numbers'),
    ({'tls': True, 'certfile': '/nonexistent.pem', 'keyfile': '/k.pem'},
     "certfile: file '/nonexistent.pem' does not exist"),
])
def test_bad_values_name_the_parameter(values, text):
    with pytest.raises(ConfigError, match=re.escape(text)):
        BridgeConfig.from_parameters(values)


def test_time_capability_follows_use_sim_time_only():
    assert 'time' in BridgeConfig.from_parameters({}, use_sim_time=True).capabilities
    assert 'time' not in BridgeConfig.from_parameters({'capabilities': ['time']}).capabilities


def test_unknown_capability_is_a_warning():
    config = BridgeConfig.from_parameters({'capabilities': ['services', 'teleport']})
    assert config.warnings == ("parameter capabilities: unknown capability 'teleport' ignored",)


def _yaml_parameters():
    import yaml
    with open(os.path.join(ROOT, 'config', 'foxglove_bridge.yaml')) as f:
        document = yaml.safe_load(f)
    return document['/**']['ros__parameters']


def test_yaml_restates_every_parameter_with_its_default():
    pytest.importorskip('yaml')
    values = _yaml_parameters()
    assert set(values) == set(PARAMETER_DEFAULTS)
    for name, default in PARAMETER_DEFAULTS.items():
        assert values[name] == default, name


def _launch_xml():
    return ElementTree.parse(os.path.join(ROOT, 'launch', 'foxglove_bridge_launch.xml')).getroot()


def _as_parameter(name, text):
    """Read a launch argument's text the way launch_ros does: as YAML, unless a string."""
    import yaml
    if isinstance(PARAMETER_DEFAULTS.get(name), str):
        return text
    return yaml.safe_load(text)


def test_launch_xml_args_are_declared_parameters_with_defaults():
    pytest.importorskip('yaml')
    root = _launch_xml()
    args = {a.get('name'): a.get('default') for a in root.iter('arg')}
    assert set(args) == set(PARAMETER_DEFAULTS) | {'use_sim_time'}
    for name, default in PARAMETER_DEFAULTS.items():
        assert _as_parameter(name, args[name]) == default, name
    (node,) = root.iter('node')
    assert (node.get('pkg'), node.get('exec'), node.get('name')) == (
        'foxglove_bridge_py', 'foxglove_bridge', 'foxglove_bridge')
    forwarded = {p.get('name'): p.get('value') for p in node.iter('param')}
    assert forwarded == {name: f'$(var {name})' for name in args}


def test_launch_py_declares_the_same_args_as_xml():
    xml_args = {a.get('name'): a.get('default') for a in _launch_xml().iter('arg')}
    with open(os.path.join(ROOT, 'launch', 'foxglove_bridge_launch.py')) as f:
        tree = ast.parse(f.read())
    (assignment,) = [node for node in tree.body if isinstance(node, ast.Assign)
                     and node.targets[0].id == 'LAUNCH_ARGS']
    assert ast.literal_eval(assignment.value) == xml_args


def test_the_parameter_reference_lists_every_parameter():
    with open(os.path.join(ROOT, 'docs', 'parameters.md')) as f:
        reference = f.read()
    missing = [name for name in PARAMETER_DEFAULTS if f'| `{name}` |' not in reference]
    assert not missing


def test_real_launch_files_start_on_a_ros_machine():
    launch = pytest.importorskip('launch')
    pytest.importorskip('launch_ros')
    from launch.launch_description_sources import PythonLaunchDescriptionSource
    source = PythonLaunchDescriptionSource(os.path.join(ROOT, 'launch',
                                                        'foxglove_bridge_launch.py'))
    description = source.get_launch_description(launch.LaunchContext())
    assert description.entities


def test_throttle_period_of_the_first_matching_pattern():
    config = BridgeConfig.from_parameters({
        'topic_throttle_patterns': ['/camera/.*', '/camera/depth', '/free'],
        'topic_throttle_rates': [5.0, 1.0, 0.0]})
    assert config.throttle_period('/camera/depth') == pytest.approx(0.2)
    assert config.throttle_period('/free') == 0.0
    assert config.throttle_period('/other') == 0.0
    assert BridgeConfig.from_parameters({}).throttle_period('/camera/depth') == 0.0
