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
Full-text message definitions (``ros2msg``, else ``ros2idl``) for channel schemas.

The text is the root definition followed by every dependency, each after a line of 80 ``=`` and
a ``MSG: pkg/Type`` header, as MCAP and the Foxglove app expect. Files are read through a loader
function, so this module is pure; :func:`ament_interface_reader` reads installed packages.
"""

from __future__ import annotations

from dataclasses import dataclass
import importlib
import os
import re
from typing import Callable, Optional

SEPARATOR = '=' * 80
TYPE_NAME = re.compile(r'^([A-Za-z0-9_]+)/(?:(msg|srv|action)/)?([A-Za-z0-9_]+)$')
MSG_FIELD_TYPE = re.compile(r'(?:^|\n)\s*([A-Za-z0-9_/]+)(?:\[[^\]]*\])?\s+')
IDL_INCLUDE = re.compile(r'(?:^|\n)#include\s+(?:"|<)([A-Za-z0-9_/]+)\.idl(?:"|>)')
PRIMITIVE_TYPES = frozenset({
    'bool', 'byte', 'char', 'float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32',
    'uint32', 'int64', 'uint64', 'string', 'wstring'})
SERVICE_PART = re.compile(r'^(.*)_(Request|Response|Event)$')

InterfaceReader = Callable[[str, str], Optional[str]]
"""Reads ``(package, file name)``, e.g. ``('std_msgs', 'String.msg')``; None if absent."""


class DefinitionNotFound(LookupError):
    """No definition file exists for a type."""


@dataclass(frozen=True)
class Definition:
    """A type's full definition text and its schema encoding."""

    encoding: str
    text: str


def parse_type_name(type_name: str) -> tuple[str, str, str]:
    """
    Split a ROS type name into package, interface kind and name.

    :param type_name: ``pkg/Type`` or ``pkg/msg/Type`` (also ``srv`` and ``action``).
    :return: ``(package, kind, name)``, kind defaulting to ``msg``.
    :raises ValueError: if the name is not of that form.
    """
    match = TYPE_NAME.match(type_name)
    if match is None:
        raise ValueError(f'invalid ROS type name {type_name!r}')
    package, kind, name = match.groups()
    return package, kind or 'msg', name


def split_service(text: str) -> list[str]:
    """
    Split a ``.srv`` or ``.action`` text at its ``---`` lines.

    :param text: the file's text.
    :return: the parts, each stripped of surrounding blank space.
    """
    parts: list[list[str]] = [[]]
    for line in text.replace('\r\n', '\n').split('\n'):
        if line.strip() == '---':
            parts.append([])
        else:
            parts[-1].append(line)
    return ['\n'.join(p).strip() for p in parts]


class DefinitionBuilder:
    """Builds and caches full definitions; used on one thread (the ROS side's graph poll)."""

    def __init__(self, read: InterfaceReader) -> None:
        """
        Create a builder.

        :param read: reads interface files, see :data:`InterfaceReader`.
        """
        self._read = read
        self._cache: dict[str, Optional[Definition]] = {}

    def get(self, type_name: str) -> Optional[Definition]:
        """
        Return the full definition of a type, or None if neither .msg nor .idl files exist.

        :param type_name: e.g. ``sensor_msgs/msg/Image``.
        :return: the definition, or None.
        """
        if type_name not in self._cache:
            try:
                definition = self._build(type_name)
            except Exception:  # noqa: B902 - a broken definition file (bad encoding, a loop)
                # costs its own channels their schema, never the discovery of the topics after.
                definition = None
            self._cache[type_name] = definition
        return self._cache[type_name]

    def _build(self, type_name: str) -> Optional[Definition]:
        try:
            parse_type_name(type_name)
        except ValueError:
            return None
        try:
            return Definition('ros2msg', self._full_text(type_name, 'msg'))
        except DefinitionNotFound:
            pass
        try:
            header = f'{SEPARATOR}\nIDL: {_normalized(type_name)}\n'
            return Definition('ros2idl', header + self._full_text(type_name, 'idl'))
        except DefinitionNotFound:
            return None

    def _full_text(self, root: str, fmt: str) -> str:
        seen: set[str] = set()

        def append(name: str) -> str:
            text, package = self._load(name, fmt)
            result = [text]
            for dep in _dependencies(text, package, fmt):
                if dep in seen:
                    continue
                seen.add(dep)
                label = 'MSG' if fmt == 'msg' else 'IDL'
                result.append(f'\n{SEPARATOR}\n{label}: {dep}\n')
                result.append(append(dep))
            return ''.join(result)

        return append(root)

    def _load(self, type_name: str, fmt: str) -> tuple[str, str]:
        try:
            package, kind, name = parse_type_name(type_name)
        except ValueError:
            raise DefinitionNotFound(type_name) from None
        if fmt == 'idl':
            text = self._read(package, f'{name}.idl')
        elif kind == 'msg':
            text = self._read(package, f'{name}.msg')
        else:
            text = self._service_part(package, kind, name)
        if text is None:
            raise DefinitionNotFound(type_name)
        return text, package

    def _service_part(self, package: str, kind: str, name: str) -> Optional[str]:
        match = SERVICE_PART.match(name)
        if kind != 'srv' or match is None:
            return None
        base, part = match.groups()
        text = self._read(package, f'{base}.srv')
        if text is None:
            return None
        parts = split_service(text)
        if len(parts) != 2:
            return None
        if part == 'Request':
            return parts[0]
        if part == 'Response':
            return parts[1]
        return (f'service_msgs/msg/ServiceEventInfo info\n'
                f'{package}/srv/{base}_Request[<=1] request\n'
                f'{package}/srv/{base}_Response[<=1] response')


def _normalized(type_name: str) -> str:
    package, kind, name = parse_type_name(type_name)
    return f'{package}/{kind}/{name}'


def _dependencies(text: str, package: str, fmt: str) -> list[str]:
    if fmt == 'idl':
        return sorted(set(IDL_INCLUDE.findall(text)))
    deps = set()
    for type_name in MSG_FIELD_TYPE.findall(text):
        if type_name in PRIMITIVE_TYPES:
            continue
        deps.add(type_name if '/' in type_name else f'{package}/{type_name}')
    return sorted(deps)


def ament_interface_reader() -> InterfaceReader:
    """
    Return a reader of interface files installed in the ament index.

    A file is found through the package's ``rosidl_interfaces`` index entry, by file name, so
    it may live in any folder of the package's share directory.

    :return: the reader.
    """
    from ament_index_python.packages import get_package_share_directory
    from ament_index_python.packages import PackageNotFoundError
    from ament_index_python.resources import get_resource

    def read(package: str, file_name: str) -> Optional[str]:
        try:
            index, _ = get_resource('rosidl_interfaces', package)
            share = get_package_share_directory(package)
        except (LookupError, PackageNotFoundError):
            return None
        for line in index.splitlines():
            if os.path.basename(line.strip()) == file_name:
                try:
                    with open(os.path.join(share, line.strip()), encoding='utf-8') as f:
                        return f.read()
                except OSError:
                    return None
        return None

    return read


def import_message_type(type_name: str) -> type:
    """
    Import the Python class of a ROS message or service type.

    :param type_name: e.g. ``std_msgs/msg/String`` or ``std_srvs/srv/SetBool``.
    :return: the class.
    :raises ImportError: if its package is not installed or has no such type.
    """
    try:
        package, kind, name = parse_type_name(type_name)
    except ValueError as exc:
        raise ImportError(str(exc)) from None
    module = importlib.import_module(f'{package}.{kind}')
    try:
        return getattr(module, name)
    except AttributeError:
        raise ImportError(f'{package}.{kind} has no type {name}') from None


def normalize_type_name(type_name: str) -> str:
    """
    Turn ``pkg/Type`` into ``pkg/msg/Type``; a full name is returned as it is.

    :param type_name: a ROS message type name.
    :return: the full name.
    :raises ValueError: if it is not a type name.
    """
    package, kind, name = parse_type_name(type_name)
    return f'{package}/{kind}/{name}'
