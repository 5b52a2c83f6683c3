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
Two or three stop signals, at any moment of shutdown, end the installed bridge as one does.

``ros2 launch`` forwards the terminal's Ctrl-C to a node that got it from the terminal
already: the bridge sees two SIGINTs (or a SIGINT and a SIGTERM), a few milliseconds apart or
more. Whenever the second lands, the clients are closed with 1001, the process exits with 0
within two seconds of the first, and prints no traceback.

The moments that plain spacing cannot hit are held open by a ``sitecustomize`` on the
bridge's path: it prints a line when the bridge enters ``Node.destroy_node`` (or
``Node.__init__``) and waits there until the test has sent its signals.
"""

import asyncio
import os
import re
import signal
import subprocess
import threading
import time

from bridge_harness import Client, TIMEOUT, TIMEOUT_FACTOR, wait_for
from process_harness import executable
import pytest

pytest.importorskip('rclpy')

import websockets  # noqa: E402

ROUNDS = 3
"""Runs of each case: the race lost about half the time, so three runs catch it."""
EXIT_BOUND = 2.0 * TIMEOUT_FACTOR
"""Seconds from the first signal to the end of the process (two, unless the machine is slow)."""
HELD = 'signals-test: held in'

SITECUSTOMIZE = """\
import os
import time

import rclpy.node


def _hold(name):
    original = getattr(rclpy.node.Node, name)
    held = []

    def held_call(self, *args, **kwargs):
        if not held:
            held.append(True)
            print('{held} ' + name, flush=True)
            deadline = time.monotonic() + {timeout}
            while not os.path.exists(os.environ['SIGNALS_TEST_GATE']):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.002)
        return original(self, *args, **kwargs)

    setattr(rclpy.node.Node, name, held_call)


_hold(os.environ['SIGNALS_TEST_HOLD'])
""".format(held=HELD, timeout=TIMEOUT)


class Bridge:
    """The installed bridge in the background, its output collected and its end timed."""

    def __init__(self, domain_id, tmp_path, hold=None):
        env = dict(os.environ, ROS_DOMAIN_ID=str(domain_id), PYTHONUNBUFFERED='1',
                   RCUTILS_LOGGING_BUFFERED_STREAM='0')
        self.gate = tmp_path / 'gate'
        if hold is not None:
            (tmp_path / 'sitecustomize.py').write_text(SITECUSTOMIZE)
            env.update(SIGNALS_TEST_HOLD=hold, SIGNALS_TEST_GATE=str(self.gate),
                       PYTHONPATH=os.pathsep.join([str(tmp_path), env.get('PYTHONPATH', '')]))
        self.process = subprocess.Popen(
            [executable(), '--ros-args', '-p', 'port:=0', '-p', 'address:=127.0.0.1'],
            env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = []
        self.ended = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip('\n'))
        self.process.wait()
        self.ended = time.monotonic()

    def output(self):
        return '\n'.join(self.lines)

    def wait_for_line(self, pattern, what):
        return wait_for(lambda: re.search(pattern, self.output()), what=what)

    def port(self):
        return int(self.wait_for_line(r'listening on ws://[^:]+:(\d+)', 'the bridge to listen')
                   .group(1))

    def release(self):
        """Let a held call go on."""
        self.gate.write_text('')

    def exit_status(self):
        """Wait for the process to end; its exit status."""
        self._reader.join(TIMEOUT)
        assert self.ended is not None, 'the bridge did not exit'
        return self.process.returncode

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(TIMEOUT)


@pytest.fixture
def start_bridge(domain_id, tmp_path):
    bridges = []

    def start(hold=None):
        bridge = Bridge(domain_id, tmp_path, hold)
        bridges.append(bridge)
        return bridge

    yield start
    for bridge in bridges:
        bridge.kill()


def send_spaced(bridge, signals, spacing):
    """Send the signals ``spacing`` seconds apart; the time of the first."""
    first = time.monotonic()
    for index, signum in enumerate(signals):
        if index and spacing:
            time.sleep(spacing)  # the deliberate spacing between two signals
        bridge.process.send_signal(signum)
    return first


def send_while_destroying(bridge, signals):
    """Send the first signal, the others once the bridge is in ``destroy_node``."""
    first = time.monotonic()
    bridge.process.send_signal(signals[0])
    bridge.wait_for_line(f'{HELD} destroy_node', 'the bridge to destroy its node')
    for signum in signals[1:]:
        bridge.process.send_signal(signum)
    bridge.release()
    return first


def close_code(closed):
    received = getattr(closed, 'rcvd', None)
    return received.code if received is not None else closed.code  # websockets 10.4: .code


def stop_with_a_client(bridge, send):
    """Connect a client, run ``send`` on its own thread, and check how everything ended."""
    port = bridge.port()
    sent = []

    async def scenario():
        client = await Client.connect(f'ws://127.0.0.1:{port}')
        sender = threading.Thread(target=lambda: sent.append(send(bridge)), daemon=True)
        sender.start()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await client.recv(timeout=TIMEOUT)
        await asyncio.get_running_loop().run_in_executor(None, sender.join, TIMEOUT)
        return close_code(closed.value)

    code = asyncio.run(scenario())
    status = bridge.exit_status()
    output = bridge.output()
    assert status == 0, output
    assert code == 1001, output
    assert 'Traceback' not in output and 'KeyboardInterrupt' not in output, output
    assert sent, 'the signals were not sent'
    elapsed = bridge.ended - sent[0]
    assert elapsed < EXIT_BOUND, f'exit {elapsed:.3f} s after the first signal\n{output}'
    print(f'exit {elapsed:.3f} s after the first signal')  # shown with pytest -rP


@pytest.mark.parametrize('round_', range(ROUNDS))
@pytest.mark.parametrize('spacing', [0, 0.01, 0.05, 0.2])
@pytest.mark.parametrize('second', [signal.SIGINT, signal.SIGTERM], ids=['INT', 'TERM'])
def test_two_signals_at_any_spacing_end_the_bridge_as_one(start_bridge, second, spacing,
                                                          round_):
    bridge = start_bridge()
    stop_with_a_client(bridge, lambda b: send_spaced(b, (signal.SIGINT, second), spacing))


@pytest.mark.parametrize('round_', range(ROUNDS))
@pytest.mark.parametrize('second', [signal.SIGINT, signal.SIGTERM], ids=['INT', 'TERM'])
def test_a_signal_during_destroy_node_is_ignored(start_bridge, second, round_):
    bridge = start_bridge(hold='destroy_node')
    stop_with_a_client(bridge, lambda b: send_while_destroying(b, (signal.SIGINT, second)))


@pytest.mark.parametrize('round_', range(ROUNDS))
def test_three_signals_end_the_bridge_as_one(start_bridge, round_):
    three = (signal.SIGINT, signal.SIGTERM, signal.SIGINT)
    bridge = start_bridge()
    stop_with_a_client(bridge, lambda b: send_spaced(b, three, 0.01))
    bridge = start_bridge(hold='destroy_node')
    stop_with_a_client(bridge, lambda b: send_while_destroying(b, three))


@pytest.mark.parametrize('first', [signal.SIGINT, signal.SIGTERM], ids=['INT', 'TERM'])
def test_signals_while_the_node_is_built_end_the_bridge_before_it_serves(start_bridge, first):
    bridge = start_bridge(hold='__init__')
    bridge.wait_for_line(f'{HELD} __init__', 'the bridge to build its node')
    started = time.monotonic()
    bridge.process.send_signal(first)
    bridge.process.send_signal(signal.SIGINT if first == signal.SIGTERM else signal.SIGTERM)
    bridge.release()
    status = bridge.exit_status()
    output = bridge.output()
    assert status == 0, output
    assert 'Traceback' not in output and 'KeyboardInterrupt' not in output, output
    assert 'listening on' not in output, output
    assert bridge.ended - started < EXIT_BOUND, output
