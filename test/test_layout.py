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
The package's shape: parts in folders, one-way imports between them, small rooms.

These are the rules ``docs/architecture.md`` states; a change that breaks one
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

TOP_LEVEL = {'__init__', 'bridge', 'config', 'node', 'demo'}
"""The only modules outside a part: the wiring, the settings, the entry points."""
PARTS = {
    'protocol': set(),
    'access': {'protocol'},
    'send_path': {'protocol'},
    'core': {'protocol', 'send_path', 'access'},
    'capabilities': {'core', 'protocol', 'send_path', 'access'},
    'monitoring': {'core', 'protocol'},
    'playback': {'core', 'capabilities', 'protocol'},
    'twins': {'config'},
    'server': {'access', 'config', 'core', 'monitoring', 'protocol', 'send_path'},
    'ros': {'capabilities', 'config', 'core', 'monitoring', 'playback', 'protocol', 'twins'},
    'threads': {'core', 'protocol', 'ros'},
}
"""Each part, and the parts it may import: no part imports one that imports it back."""
TOP_IMPORTS = {
    'config': {'protocol'},
    'demo': {'ros'},
    'node': {'bridge', 'config', 'demo', 'ros'},
    'bridge': set(PARTS) | {'config'},
}
"""What the top-level modules may import."""
IMPURE = {'server.server', 'server.connection', 'ros', 'threads', 'playback.source'}
"""Parts and modules that may import rclpy, websockets, threading or asyncio; the rest of the
package is pure, tested with plain values."""
ROS_BOUNDARY = {'ros', 'threads'}
"""Where rclpy may be imported, beside the top-level wiring."""


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
        if name != 'foxglove_bridge_py.server.server':
            assert 'websockets' not in imports, name


def _part(name):
    """Name the part a module belongs to, or the module itself at the top level."""
    return name.split('.')[1] if name != 'foxglove_bridge_py' else '__init__'


def _in(name, places):
    relative = name.split('.', 1)[1] if '.' in name else ''
    return any(relative == place or relative.startswith(place + '.') for place in places)


def test_top_level_holds_only_the_wiring():
    loose = {path.stem for path in PACKAGE.glob('*.py')}
    folders = {path.name for path in PACKAGE.iterdir()
               if path.is_dir() and (path / '__init__.py').exists()}
    assert loose == TOP_LEVEL
    assert folders == set(PARTS)


def test_parts_import_only_the_parts_below_them():
    wrong = []
    for name, _, tree in modules():
        part = _part(name)
        allowed = PARTS.get(part, TOP_IMPORTS.get(part, set())) | {part}
        for target in imported(name, tree):
            segments = target.split('.')
            if segments[0] != 'foxglove_bridge_py' or len(segments) < 2:
                continue
            if (PACKAGE / segments[1]).is_dir() or (PACKAGE / f'{segments[1]}.py').exists():
                if segments[1] not in allowed and segments[1] != '__version__':
                    wrong.append(f'{name} imports {target}')
    assert wrong == []


def test_pure_modules_import_no_ros_no_io():
    for name, _, tree in modules():
        if _part(name) in TOP_IMPORTS or _in(name, IMPURE):
            continue
        roots = {i.split('.')[0] for i in imported(name, tree)}
        assert not roots & {'rclpy', 'websockets', 'threading', 'asyncio'}, name


def test_only_the_ros_side_imports_rclpy():
    for name, _, tree in modules():
        if _part(name) in {'bridge', 'node', 'demo'} or _in(name, ROS_BOUNDARY):
            continue
        roots = {i.split('.')[0] for i in imported(name, tree)}
        assert 'rclpy' not in roots, name


ROS_TESTS_ELSEWHERE = {'asset_files': 'test_assets.py'}
"""ROS-side modules whose own tests live in a file named otherwise."""


def test_every_ros_side_module_has_its_own_test_file():
    tests = PACKAGE.parent / 'test'
    missing = []
    for path in sorted((PACKAGE / 'ros').glob('*.py')):
        if path.stem == '__init__':
            continue
        name = ROS_TESTS_ELSEWHERE.get(path.stem, f'test_ros_{path.stem}.py')
        if not (tests / name).exists():
            missing.append(f'ros/{path.name}: {name}')
    assert missing == []


def test_capabilities_do_not_import_the_hub():
    for name, _, tree in modules():
        if name.startswith('foxglove_bridge_py.capabilities'):
            assert 'foxglove_bridge_py.core.hub' not in imported(name, tree), name


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
