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
ros/params.py against a real node's parameter services, awaited from an asyncio loop.

The loop's side is ``capabilities.parameter_access.ParameterAccess``; each call it awaits is
``ros.params.NodeParameters``'s, run on the executor thread.
"""

import asyncio
import re

import pytest

pytest.importorskip('rclpy')

from foxglove_bridge_py.capabilities.parameter_access import ParameterAccess  # noqa: E402, I100
from foxglove_bridge_py.capabilities.parameters import Parameter  # noqa: E402
from foxglove_bridge_py.ros.graph import parameter_nodes  # noqa: E402
from foxglove_bridge_py.ros.params import NodeParameters  # noqa: E402
from foxglove_bridge_py.ros.services import ServiceCaller  # noqa: E402
from ros_harness import wait_for  # noqa: E402

WHITELIST = (re.compile(r'/test_helper\.(speed|name|limits)'), re.compile(r'/gone\..*'))


def with_access(ros_side, scenario):
    caller = ros_side.on_ros(ServiceCaller, ros_side.node)

    async def main():
        loop = asyncio.get_running_loop()

        def await_in_ros(start):
            # As Threads.await_ros_callback: start on the executor thread, settle on the loop.
            future = loop.create_future()

            def settle(result, error):
                if not future.done():
                    future.set_exception(error) if error else future.set_result(result)

            ros_side.on_ros(start, lambda result, error: loop.call_soon_threadsafe(
                settle, result, error))
            return future

        async def list_nodes():
            return ros_side.on_ros(parameter_nodes, ros_side.node)

        access = ParameterAccess(WHITELIST, True, NodeParameters(caller, 1.0), await_in_ros,
                                 list_nodes, ros_side.node.get_fully_qualified_name())
        await asyncio.wait_for(scenario(access), 30)

    try:
        asyncio.run(main())
    finally:
        ros_side.on_ros(caller.destroy)


def test_get_all_and_by_name_within_the_whitelist(ros_side, helper_node):
    helper_node.declare_parameter('speed', 1.5)
    helper_node.declare_parameter('name', 'rover')
    helper_node.declare_parameter('secret', 'hidden')
    wait_for(lambda: '/test_helper' in ros_side.on_ros(parameter_nodes, ros_side.node),
             what="the node's parameter services")

    async def scenario(access):
        everything = await access.get_values([])
        assert {(p.name, p.value, p.type) for p in everything} == {
            ('/test_helper.speed', 1.5, 'float64'), ('/test_helper.name', 'rover', None)}
        named = await access.get_values(['/test_helper.name', '/test_helper.secret',
                                         '/nowhere.x', 'not a name'])
        assert [(p.name, p.value) for p in named] == [('/test_helper.name', 'rover')]

    with_access(ros_side, scenario)


def test_set_keeps_a_doubles_type_and_names_what_it_could_not_set(ros_side, helper_node):
    helper_node.declare_parameter('speed', 1.5)
    helper_node.declare_parameter('limits', [1.0, 2.0])
    wait_for(lambda: '/test_helper' in ros_side.on_ros(parameter_nodes, ros_side.node),
             what="the node's parameter services")

    async def scenario(access):
        done, problems = await access.set_values([
            Parameter('/test_helper.speed', 2), Parameter('/test_helper.limits', [3, 4]),
            Parameter('/test_helper.secret', 'x'), Parameter('/gone.speed', 1.0)])
        assert done == ['/test_helper.speed', '/test_helper.limits']
        assert problems[0] == '/test_helper.secret: not in param_whitelist'
        assert problems[1].startswith('/gone: cannot reach the node')
        assert len(problems) == 2

    with_access(ros_side, scenario)
    assert helper_node.get_parameter('speed').value == 2.0
    assert list(helper_node.get_parameter('limits').value) == [3.0, 4.0]
