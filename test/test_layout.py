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
The package's shape: parts in folders, one-way imports between them, each folder on its thread.

These are the rules ``docs/architecture.md`` states; a change that breaks one
should move code to where it belongs, or state here why it is the exception.
Code is grouped by concept: only a function has a size limit (and a module a
generous one, past which it likely holds two concepts).
"""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / 'foxglove_bridge_py'
MAX_MODULE_LINES = 800
"""A smell, not a shape: a module this long likely holds two concepts. Split it by concept."""
MAX_FUNCTION_LINES = 60
MAX_COMPLEXITY = 10

TOP_LEVEL = {'__init__', 'bridge', 'config', 'node', 'demo', 'malloc_reuse'}
"""The only modules outside a part: the wiring, the settings, the entry points and the process's
start-up (``malloc_reuse``, which ``node.main`` runs before any thread exists)."""
PARTS = {
    'protocol': set(),
    'ros_rules': {'protocol'},
    'access': {'protocol'},
    'send_path': {'protocol'},
    'core': {'protocol', 'send_path', 'access'},
    'capabilities': {'core', 'protocol', 'send_path', 'access', 'ros_rules'},
    'monitoring': {'core', 'protocol'},
    'playback': {'core', 'capabilities', 'protocol'},
    'twins': {'ros_rules'},
    'server': {'access', 'config', 'core', 'monitoring', 'protocol', 'send_path'},
    'ros': {'capabilities', 'config', 'core', 'monitoring', 'playback', 'protocol', 'ros_rules',
            'twins'},
    'threads': {'core', 'protocol', 'ros'},
    'relay': {'access', 'core', 'protocol', 'send_path', 'server', 'threads'},
}
"""Each part, and the parts it may import: no part imports one that imports it back."""
TOP_IMPORTS = {
    'config': {'protocol', 'ros_rules'},
    'malloc_reuse': set(),
    'demo': {'ros'},
    'node': {'bridge', 'config', 'demo', 'malloc_reuse', 'ros', 'ros_rules'},
    'bridge': set(PARTS) | {'config'},
}
"""What the top-level modules may import."""
IMPURE = {'server.server', 'server.connection', 'ros', 'threads', 'playback.source',
          'relay.uplink', 'relay.main',
          'capabilities.asset_reader', 'capabilities.parameter_access'}
"""Parts and modules that may import rclpy, websockets, threading or asyncio; the rest of the
package is pure, tested with plain values. The two capability modules are the loop's coroutines
of their capability (``asyncio``), and import no ROS."""
ROS_BOUNDARY = {'ros', 'threads'}
"""Where rclpy and the ROS packages may be imported, beside the top-level wiring."""
EXECUTOR_SIDE = 'ros'
"""The part that runs on the executor thread: each of its modules imports ROS, and none holds a
coroutine (what runs on the loop sits with its capability or the server)."""
RUNS_ANYWHERE = 'ros_rules'
"""The part of pure ROS-shaped rules: no ROS, no thread, no loop; any thread may call it."""
ROS_PACKAGES = {'rclpy', 'ament_index_python', 'rosbag2_py'}
"""Roots of the ROS installation's Python packages, beside ``rosidl_*`` and the interface
packages (``*_msgs``, ``*_srvs``, ``*_interfaces``)."""


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


def _is_type_checking(node):
    return isinstance(node, ast.If) and 'TYPE_CHECKING' in ast.unparse(node.test)


def imported_at_runtime(tree):
    """Roots of the packages a module imports when it runs (not those for the type checker)."""
    roots = set()
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            roots.update(alias.name.split('.')[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split('.')[0])
        pending += [child for child in ast.iter_child_nodes(node)
                    if not _is_type_checking(child)]
    return roots


def is_ros_package(root):
    """Tell whether a package comes with ROS: rclpy, the ament index, rosidl, an interface."""
    return (root in ROS_PACKAGES or root.startswith('rosidl_')
            or root.endswith(('_msgs', '_srvs', '_interfaces')))


def test_functions_stay_small_and_modules_hold_one_concept():
    too_big = []
    for name, path, tree in modules():
        lines = len(path.read_text().splitlines())
        if lines > MAX_MODULE_LINES:
            too_big.append(f'module {name}: {lines} lines (two concepts in one?)')
        for node in ast.walk(tree):
            size = getattr(node, 'end_lineno', 0) - getattr(node, 'lineno', 0) + 1
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


def test_only_the_ros_side_imports_ros():
    wrong = []
    for name, _, tree in modules():
        if _part(name) in {'bridge', 'node', 'demo'} or _in(name, ROS_BOUNDARY):
            continue
        if 'rclpy' in {i.split('.')[0] for i in imported(name, tree)}:
            wrong.append(f'{name} imports rclpy')  # even for the type checker
        wrong += [f'{name} imports {root}' for root in sorted(imported_at_runtime(tree))
                  if is_ros_package(root) and root != 'rclpy']
    assert wrong == []


def _coroutines(tree):
    return [node.name for node in ast.walk(tree) if isinstance(node, ast.AsyncFunctionDef)]


def test_the_ros_folder_is_the_executor_side():
    # Every module imports ROS (so it belongs here) and none runs on the loop (so it is not
    # the capability's or the server's): its objects are used on the executor thread.
    wrong = []
    for name, _, tree in modules():
        if not name.startswith(f'foxglove_bridge_py.{EXECUTOR_SIDE}.'):
            continue
        roots = imported_at_runtime(tree)
        if not any(is_ros_package(root) for root in roots):
            wrong.append(f'{name} imports no ROS: a pure rule goes to {RUNS_ANYWHERE}/')
        if 'asyncio' in roots or _coroutines(tree):
            wrong.append(f'{name} runs on the loop: it goes with its capability')
    assert wrong == []


def test_the_pure_rules_run_on_any_thread():
    wrong = []
    for name, _, tree in modules():
        if _part(name) != RUNS_ANYWHERE:
            continue
        roots = imported_at_runtime(tree)
        wrong += [f'{name} imports {root}' for root in sorted(roots) if is_ros_package(root)
                  or root in {'websockets', 'threading', 'asyncio', 'ctypes'}]
        wrong += [f'{name} has coroutine {coroutine}' for coroutine in _coroutines(tree)]
    assert wrong == []


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


def test_no_test_module_imports_another():
    # A test module imported by another runs its module-level set-up twice and hides which
    # helpers are shared: shared helpers live in the harness modules and conftest.
    tests = PACKAGE.parent / 'test'
    names = {path.stem for path in tests.glob('test_*.py')}
    wrong = []
    for path in sorted(tests.glob('*.py')):
        found = imported(path.stem, ast.parse(path.read_text()))
        wrong += [f'{path.name} imports {name}' for name in sorted(found & names)]
    assert wrong == []
