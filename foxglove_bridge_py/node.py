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
import contextlib
import functools
import logging
import signal
import socket
import sys
from types import FrameType
from typing import Callable, Iterator, Optional, TYPE_CHECKING, Union

from foxglove_bridge_py.config import (BridgeConfig, ConfigError, PARAMETER_DEFAULTS, PARAMETERS,
                                       ParameterSpec)
from foxglove_bridge_py.malloc_reuse import keep_freed_buffers_for_reuse
from foxglove_bridge_py.ros_rules.unused_parameters import parameter_notes
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
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""The signals that stop the bridge: Ctrl-C, and what ``ros2 launch`` sends."""
SignalHandler = Union[Callable[[int, Optional[FrameType]], object], int, None]


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
        unused, unknown = parameter_notes({name: p.value for name, p in overrides.items()},
                                          PARAMETER_DEFAULTS)
        if unused is not None:
            self.get_logger().info(unused)
        for warning in unknown:
            self.get_logger().warning(warning)


def _loosen(descriptor: ParameterDescriptor, spec: ParameterSpec,
            override: Optional[Parameter]) -> bool:
    # Let through the overrides that rclpy would refuse for their type but the user meant:
    # an empty list, and a whole number for a rate. True for an empty list.
    if isinstance(spec.default, list) and not spec.default:
        # rclpy types an empty default as a byte array, and then refuses a list of strings.
        descriptor.type = ParameterType.PARAMETER_NOT_SET
        descriptor.dynamic_typing = True
        return override is None or _is_empty_list(override)
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


class StopSignals:
    """
    SIGINT and SIGTERM for the whole of :func:`main`: the first one stops the bridge.

    ``ros2 launch`` forwards the terminal's Ctrl-C to a bridge that got it from the terminal
    already, so a second signal (or a third) may land at any moment of the shutdown: on the
    loop, in ``destroy_node``, after ``main`` has returned. Python's own handlers would raise
    ``KeyboardInterrupt`` there or end the process with -2 or -15; these note the signal and let
    the shutdown go on. A handler runs on the main thread between two bytecodes of whatever runs
    there, the loop included: it only notes the signal and queues the stop on the loop.
    """

    def __init__(self) -> None:
        """Take no signal yet: :meth:`install` does."""
        self.received: list[int] = []
        """Every stop signal received, in order; the first one stopped the bridge."""
        self._stop: Optional[Callable[[], object]] = None
        self._previous: dict[int, SignalHandler] = {}

    @property
    def requested(self) -> bool:
        """
        Tell whether a signal has asked the bridge to stop.

        :return: True once one has.
        """
        return bool(self.received)

    def install(self) -> None:
        """Handle both signals here (again, once rclpy took them); the first handlers are kept."""
        for signum in STOP_SIGNALS:
            previous = signal.signal(signum, self._on_signal)
            self._previous.setdefault(signum, previous)

    def release(self) -> None:
        """
        Hand the signals back, at the very end of :func:`main`.

        After a stop signal the process is on its way out, and the signals stay ignored: the
        interpreter's teardown after ``main`` (about 0.2 s of DDS destructors) puts Python
        handlers back to the default action, which would end the process with -2 or -15.
        Without one, the handlers found first come back.
        """
        for signum, previous in self._previous.items():
            signal.signal(signum, signal.SIG_IGN if self.received else previous)

    @contextlib.contextmanager
    def stopping(self, loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> Iterator[None]:
        """
        While the loop runs, let the first signal set ``stop`` (at once if it came before).

        The loop waits in ``epoll`` on the main thread, and the kernel may hand a signal to
        any thread: a wake-up socket (``signal.set_wakeup_fd``) ends that wait so that the
        handler runs at once. (``loop.add_signal_handler`` does the same, but the loop puts
        Python's default handlers back when it closes, before the shutdown is over.)

        :param loop: the running loop.
        :param stop: the bridge's stop event.
        :return: a context for the time the bridge serves.
        """
        wakeup, woken = socket.socketpair()
        wakeup.setblocking(False)
        woken.setblocking(False)
        loop.add_reader(woken.fileno(), _drain, woken)
        previous_fd = signal.set_wakeup_fd(wakeup.fileno(), warn_on_full_buffer=False)
        self._stop = functools.partial(loop.call_soon_threadsafe, stop.set)
        if self.received:
            stop.set()
        try:
            yield
        finally:
            self._stop = None
            signal.set_wakeup_fd(previous_fd)
            loop.remove_reader(woken.fileno())
            wakeup.close()
            woken.close()

    def _on_signal(self, signum: int, frame: Optional[FrameType]) -> None:
        first = not self.received
        self.received.append(signum)
        stop = self._stop
        if first and stop is not None:
            stop()


def _drain(woken: socket.socket) -> None:
    """Empty the wake-up socket: its bytes only woke the loop, the handlers did the rest."""
    with contextlib.suppress(BlockingIOError):
        while woken.recv(64):
            pass


def main(args: Optional[list[str]] = None) -> int:
    """
    Run the bridge until SIGINT or SIGTERM.

    ``--demo`` also publishes demo topics from the same process. The signal handlers are
    installed first and handed back last (:class:`StopSignals`): however many signals come,
    and whenever, the bridge ends as after one.

    :param args: command-line arguments (``sys.argv`` if None).
    :return: the exit status.
    """
    signals = StopSignals()
    signals.install()
    try:
        return _run(list(sys.argv if args is None else args), signals)
    finally:
        signals.release()


def _run(args: list[str], signals: StopSignals) -> int:
    """Build the node and the bridge, serve until a stop signal, and free them."""
    from foxglove_bridge_py.bridge import Bridge

    demo, argv = _split_args(args)
    # The ROS thread and the asyncio thread hand messages to each other all the time; a
    # shorter GIL switch interval (default 5 ms) keeps either from waiting long for the other.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    # Before rclpy allocates anything: large messages then reuse memory instead of faulting in.
    keep_freed_buffers_for_reuse()
    logging.basicConfig(level=logging.INFO, format='[%(levelname)s] [%(name)s]: %(message)s')
    # websockets logs every connection at INFO; the bridge logs its own, shorter lines.
    logging.getLogger('websockets').setLevel(logging.WARNING)
    context = Context()
    _init_rclpy(argv, context, signals)
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
        if not signals.requested:  # else it came while the nodes were built: never serve
            asyncio.run(_serve(bridge, signals))
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
    finally:
        for node in nodes:
            node.destroy_node()
        if context.ok():
            context.try_shutdown()


def _init_rclpy(argv: list[str], context: Context, signals: StopSignals) -> None:
    """Initialise rclpy without its signal handlers; they would stop the context under us."""
    try:
        from rclpy.signals import SignalHandlerOptions
    except ImportError:  # Humble: rclpy always installs its handlers, so ours go back over them
        rclpy.init(args=argv, context=context)
        signals.install()
    else:
        rclpy.init(args=argv, context=context, signal_handler_options=SignalHandlerOptions.NO)


async def _serve(bridge: Bridge, signals: StopSignals) -> None:
    stop = asyncio.Event()
    with signals.stopping(asyncio.get_running_loop(), stop):
        if not stop.is_set():  # a signal came between the nodes and the loop
            await bridge.run(stop)


if __name__ == '__main__':
    sys.exit(main())
