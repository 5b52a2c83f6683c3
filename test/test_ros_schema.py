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

"""Full-text definitions: with a fake file tree, and with the installed message packages."""

from foxglove_bridge_py.ros.schema import (ament_interface_reader, DefinitionBuilder, SEPARATOR,
                                           split_service)
import pytest

FILES = {
    ('pkg', 'Outer.msg'): '# a comment\nstd_msgs/Header header\nInner[] inners\nint32 X=3\n',
    ('pkg', 'Inner.msg'): 'float64 value\nstring<=10 name\nother_pkg/Leaf leaf\n',
    ('other_pkg', 'Leaf.msg'): 'bool on\n',
    ('std_msgs', 'Header.msg'): 'builtin_interfaces/Time stamp\nstring frame_id\n',
    ('builtin_interfaces', 'Time.msg'): 'int32 sec\nuint32 nanosec\n',
    ('idl_only', 'Thing.idl'): '#include "pkg/msg/Leaf.idl"\nmodule idl_only {};\n',
    ('pkg', 'Leaf.idl'): 'module pkg {};\n',
    ('srv_pkg', 'Toggle.srv'): 'bool data # why\r\n---\r\nbool success\nstring message\n',
}


def reader(package, file_name):
    return FILES.get((package, file_name))


def test_nested_type_gets_every_dependency_once_depth_first():
    definition = DefinitionBuilder(reader).get('pkg/msg/Outer')
    assert definition.encoding == 'ros2msg'
    assert definition.text == (
        FILES[('pkg', 'Outer.msg')]
        + f'\n{SEPARATOR}\nMSG: pkg/Inner\n' + FILES[('pkg', 'Inner.msg')]
        + f'\n{SEPARATOR}\nMSG: other_pkg/Leaf\n' + FILES[('other_pkg', 'Leaf.msg')]
        + f'\n{SEPARATOR}\nMSG: std_msgs/Header\n' + FILES[('std_msgs', 'Header.msg')]
        + f'\n{SEPARATOR}\nMSG: builtin_interfaces/Time\n'
        + FILES[('builtin_interfaces', 'Time.msg')])
    assert len(SEPARATOR) == 80


def test_idl_fallback_and_missing_type():
    definition = DefinitionBuilder(reader).get('idl_only/msg/Thing')
    assert definition.encoding == 'ros2idl'
    assert definition.text.startswith(f'{SEPARATOR}\nIDL: idl_only/msg/Thing\n')
    assert f'\n{SEPARATOR}\nIDL: pkg/msg/Leaf\n' in definition.text
    assert DefinitionBuilder(reader).get('pkg/msg/DoesNotExist') is None
    assert DefinitionBuilder(reader).get('not a type') is None


def test_service_parts():
    builder = DefinitionBuilder(reader)
    assert builder.get('srv_pkg/srv/Toggle_Request').text == 'bool data # why'
    assert builder.get('srv_pkg/srv/Toggle_Response').text == 'bool success\nstring message'
    assert split_service('a\n---\n') == ['a', '']


def test_installed_string_and_image():
    pytest.importorskip('ament_index_python')
    builder = DefinitionBuilder(ament_interface_reader())
    string = builder.get('std_msgs/msg/String')
    if string is None:
        pytest.skip('std_msgs is not installed')
    assert string.encoding == 'ros2msg'
    assert string.text.rstrip().endswith('string data')
    assert SEPARATOR not in string.text
    image = builder.get('sensor_msgs/msg/Image')
    assert image.encoding == 'ros2msg'
    assert f'\n{SEPARATOR}\nMSG: std_msgs/Header\n' in image.text
    assert f'\n{SEPARATOR}\nMSG: builtin_interfaces/Time\n' in image.text
    assert image.text.count('MSG: ') == 2
    assert builder.get('std_msgs/msg/DoesNotExist') is None
    event = builder.get('std_srvs/srv/SetBool_Event')
    assert 'service_msgs/msg/ServiceEventInfo info' in event.text
    assert 'MSG: std_srvs/srv/SetBool_Request' in event.text


def test_a_definition_that_cannot_be_read_costs_its_own_schema_only():
    def read(package, file_name):
        if file_name == 'Broken.msg':
            raise UnicodeDecodeError('utf-8', b'\xff', 0, 1, 'invalid start byte')
        return 'int32 data' if file_name == 'Fine.msg' else None

    builder = DefinitionBuilder(read)
    assert builder.get('pkg/msg/Broken') is None
    assert builder.get('pkg/msg/Fine').text == 'int32 data'
