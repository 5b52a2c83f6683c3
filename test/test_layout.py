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
The package's shape: small rooms, one-way imports, and the threads known to one package.

These are the rules ``README.md``'s Architecture section states; a change that breaks one
should move code to where it belongs, or state here why it is the exception.
"""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / 'foxglove_bridge_py'
MAX_MODULE_LINES = 450
MAX_CLASS_LINES = 300
MAX_FUNCTION_LINES = 60
MAX_COMPLEXITY = 10
PURE = ('protocol', 'session', 'client_session', 'fanout', 'capabilities', 'statuses',
        'refusals', 'graph_types', 'send_scheduler', 'channel_queues', 'control_queue',
        'link_meter', 'drop_report', 'config', 'qos', 'assets', 'schema', 'ws_framing',
        'throttle', 'image_codec', 'cloud_codec', 'cdr', 'twins', 'video_codec',
        'http_answers', 'status_report', 'own_diagnostics', 'system_info', 'access',
        'unused_parameters', 'queue_room', 'operator_page')
"""Modules (and packages) that must not import rclpy, websockets or threading."""


def modules():
    for path in sorted(PACKAGE.rglob('*.py')):
        name = '.'.join(path.relative_to(PACKAGE.parent).with_suffix('').parts)
        yield name.removesuffix('.__init__'), path, ast.parse(path.read_text())


def imported(name, tree):
    """Top-level and nested imports of a module, as absolute module names."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f'{node.module}.{alias.name}' for alias in node.names)
    return found


def test_no_room_is_too_big():
    too_big = []
    for name, path, tree in modules():
        lines = len(path.read_text().splitlines())
        if lines > MAX_MODULE_LINES:
            too_big.append(f'module {name}: {lines} lines')
        for node in ast.walk(tree):
            size = getattr(node, 'end_lineno', 0) - getattr(node, 'lineno', 0) + 1
            if isinstance(node, ast.ClassDef) and size > MAX_CLASS_LINES:
                too_big.append(f'class {name}.{node.name}: {size} lines')
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                    size > MAX_FUNCTION_LINES):
                too_big.append(f'function {name}.{node.name}: {size} lines')
    assert too_big == []


def test_no_function_is_too_complex():
    mccabe = pytest.importorskip('mccabe')
    complex_ones = []
    for name, path, tree in modules():
        visitor = mccabe.PathGraphingAstVisitor()
        visitor.preorder(tree, visitor)
        complex_ones += [f'{name}: {graph.entity} ({graph.complexity()})'
                         for graph in visitor.graphs.values()
                         if graph.complexity() > MAX_COMPLEXITY]
    assert complex_ones == []


def test_only_the_threads_package_knows_threads_and_only_the_server_websockets():
    for name, _, tree in modules():
        imports = {i.split('.')[0] for i in imported(name, tree)}
        if not name.startswith('foxglove_bridge_py.threads'):
            assert 'threading' not in imports, name
        if name != 'foxglove_bridge_py.server':
            assert 'websockets' not in imports, name


def test_pure_modules_import_no_ros():
    for name, _, tree in modules():
        parts = name.split('.')
        if len(parts) > 1 and parts[1] in PURE:
            roots = {i.split('.')[0] for i in imported(name, tree)}
            assert not roots & {'rclpy', 'websockets', 'threading', 'asyncio'}, name


def test_capabilities_do_not_import_the_hub():
    for name, _, tree in modules():
        if name.startswith('foxglove_bridge_py.capabilities'):
            assert 'foxglove_bridge_py.session' not in imported(name, tree), name


def test_no_import_cycles():
    names = {name for name, _, _ in modules()}
    graph = {}
    for name, _, tree in modules():
        targets = set()
        for imported_name in imported(name, tree):
            # 'from package import module' names a module; 'from module import name' does not.
            while imported_name and imported_name not in names:
                imported_name = imported_name.rpartition('.')[0]
            if imported_name and imported_name != name:
                targets.add(imported_name)
        graph[name] = targets
    # A package imports its submodules to re-export them; that is not a cycle.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + '.')}
    visiting, done, cycles = set(), set(), []

    def visit(node, path):
        if node in done:
            return
        if node in visiting:
            cycles.append(path[path.index(node):] + [node])
            return
        visiting.add(node)
        for target in sorted(graph[node]):
            visit(target, path + [node])
        visiting.discard(node)
        done.add(node)

    for name in sorted(graph):
        visit(name, [])
    assert cycles == []
