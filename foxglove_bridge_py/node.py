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

"""The ``foxglove_bridge`` node: parameters, and the executable's entry point."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Optional, TYPE_CHECKING

from foxglove_bridge_py.config import BridgeConfig, ConfigError, PARAMETERS, ParameterSpec
from foxglove_bridge_py.ros.malloc_reuse import keep_freed_buffers_for_reuse
from foxglove_bridge_py.ros.unused_parameters import parameter_notes
from rcl_interfaces.msg import IntegerRange, ParameterDescriptor, ParameterType
import rclpy
from rclpy.context import Context
from rclpy.logging import LoggingSeverity
from rclpy.node import Node
from rclpy.parameter import Parameter

if TYPE_CHECKING:  # imported once the parameters are read: a bad one exits before the rest
    from foxglove_bridge_py.bridge import Bridge

NODE_NAME = 'foxglove_bridge'
GIL_SWITCH_INTERVAL = 0.0005
EXIT_WAIT = 10.0
"""Seconds to wait at exit for the executor thread, before the nodes are destroyed."""


def _descriptor(spec: ParameterSpec) -> ParameterDescriptor:
    default = spec.default
    if isinstance(default, bool):
        type_ = ParameterType.PARAMETER_BOOL
    elif isinstance(default, int):
        type_ = ParameterType.PARAMETER_INTEGER
    elif isinstance(default, float):
        type_ = ParameterType.PARAMETER_DOUBLE
    elif isinstance(default, str):
        type_ = ParameterType.PARAMETER_STRING
    elif default and isinstance(default[0], float):
        type_ = ParameterType.PARAMETER_DOUBLE_ARRAY
    else:
        type_ = ParameterType.PARAMETER_STRING_ARRAY
    descriptor = ParameterDescriptor(type=type_, description=spec.description, read_only=True)
    if spec.int_range is not None:
        descriptor.integer_range = [
            IntegerRange(from_value=spec.int_range[0], to_value=spec.int_range[1], step=1)]
    return descriptor


class FoxgloveBridgeNode(Node):
    """The bridge's ROS node: declares every parameter and reads them into a config."""

    def __init__(self, *, context: Optional[Context] = None, node_name: str = NODE_NAME,
                 **kwargs: object) -> None:
        """
        Create the node and check its parameters.

        :param context: the rclpy context (the default one if None).
        :param node_name: the node's name.
        :param kwargs: passed to :class:`rclpy.node.Node` (e.g. ``parameter_overrides``).
        :raises ConfigError: if a parameter value cannot be used.
        """
        super().__init__(node_name, context=context, **kwargs)
        overrides = getattr(self, '_parameter_overrides', {})
        values = {}
        for spec in PARAMETERS:
            descriptor = _descriptor(spec)
            empty_list = _loosen(descriptor, spec, overrides.get(spec.name))
            try:
                parameter = self.declare_parameter(spec.name, spec.default, descriptor)
            except Exception as exc:  # noqa: B902 - rclpy reports bad types and ranges variously
                raise ConfigError(f'parameter {spec.name}: {exc}') from None
            values[spec.name] = [] if empty_list else parameter.value
        use_sim_time = self.get_parameter('use_sim_time').value
        self.config = BridgeConfig.from_parameters(values, use_sim_time=bool(use_sim_time))
        for warning in self.config.warnings:
            self.get_logger().warning(warning)
        unused, unknown = parameter_notes({name: p.value for name, p in overrides.items()})
        if unused is not None:
            self.get_logger().info(unused)
        for warning in unknown:
            self.get_logger().warning(warning)


def _loosen(descriptor: ParameterDescriptor, spec: ParameterSpec,
            override: Optional[Parameter]) -> bool:
    # Let through the overrides that rclpy would refuse for their type but the user meant:
    # an empty list, and a whole number for a rate. True for an empty list.
    if override is None:
        return False
    if isinstance(spec.default, list) and _is_empty_list(override):
        # rclpy cannot type an empty list as a string array; the user meant one.
        descriptor.type = ParameterType.PARAMETER_NOT_SET
        descriptor.dynamic_typing = True
        return True
    if isinstance(spec.default, float) and override.type_ == Parameter.Type.INTEGER:
        # `-p image_twin_max_rate:=5` means 5.0; the config makes it a float.
        descriptor.type = ParameterType.PARAMETER_NOT_SET
        descriptor.dynamic_typing = True
    return False


def _is_empty_list(parameter: Parameter) -> bool:
    # `-p name:=[]` arrives as NOT_SET from the command line and as an empty byte array from
    # a launch file or parameter_overrides.
    return parameter.type_ == Parameter.Type.NOT_SET or (
        parameter.type_ in _ARRAY_TYPES and len(parameter.value) == 0)


_ARRAY_TYPES = (Parameter.Type.BYTE_ARRAY, Parameter.Type.BOOL_ARRAY,
                Parameter.Type.INTEGER_ARRAY, Parameter.Type.DOUBLE_ARRAY,
                Parameter.Type.STRING_ARRAY)


def _split_args(argv: list[str]) -> tuple[bool, list[str]]:
    """Take our own ``--demo`` flag out of the arguments; rclpy gets the rest."""
    demo = False
    rest = []
    ros_args = False
    for arg in argv:
        if arg == '--ros-args':
            ros_args = True
        elif arg == '--':
            ros_args = False
        if arg == '--demo' and not ros_args:
            demo = True
        else:
            rest.append(arg)
    return demo, rest


def main(args: Optional[list[str]] = None) -> int:
    """
    Run the bridge until SIGINT or SIGTERM.

    ``--demo`` also publishes demo topics from the same process.

    :param args: command-line arguments (``sys.argv`` if None).
    :return: the exit status.
    """
    from foxglove_bridge_py.bridge import Bridge

    demo, argv = _split_args(list(sys.argv if args is None else args))
    # The ROS thread and the asyncio thread hand messages to each other all the time; a
    # shorter GIL switch interval (default 5 ms) keeps either from waiting long for the other.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    # Before rclpy allocates anything: large messages then reuse memory instead of faulting in.
    keep_freed_buffers_for_reuse()
    logging.basicConfig(level=logging.INFO, format='[%(levelname)s] [%(name)s]: %(message)s')
    # websockets logs every connection at INFO; the bridge logs its own, shorter lines.
    logging.getLogger('websockets').setLevel(logging.WARNING)
    context = Context()
    try:
        from rclpy.signals import SignalHandlerOptions
        rclpy.init(args=argv, context=context, signal_handler_options=SignalHandlerOptions.NO)
    except ImportError:
        rclpy.init(args=argv, context=context)
    nodes = []
    try:
        node = FoxgloveBridgeNode(context=context)
        nodes.append(node)
        if node.config.debug:
            node.get_logger().set_level(LoggingSeverity.DEBUG)
            logging.getLogger('foxglove_bridge_py').setLevel(logging.DEBUG)
        if demo:
            from foxglove_bridge_py.demo import DemoPublisher
            nodes.append(DemoPublisher(context=context))
        bridge = Bridge(node, node.config, extra_nodes=nodes[1:])
        asyncio.run(_serve(bridge))
        threads = getattr(bridge, 'threads', None)
        if threads is not None and not threads.executor_stopped(EXIT_WAIT):
            # Destroying nodes under a running executor would crash; the process ends anyway.
            logging.getLogger('foxglove_bridge_py').warning(
                'the ROS executor did not stop; exiting without destroying the nodes')
            nodes.clear()
        return 0
    except ConfigError as exc:
        print(f'foxglove_bridge: error: {exc}', file=sys.stderr)
        return 1
    except OSError as exc:
        print(f'foxglove_bridge: error: cannot serve: {exc}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for node in nodes:
            node.destroy_node()
        if context.ok():
            context.try_shutdown()


async def _serve(bridge: Bridge) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await bridge.run(stop)


if __name__ == '__main__':
    sys.exit(main())
