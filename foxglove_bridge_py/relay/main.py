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
``foxglove_relay``: serves robots that dial out over Zenoh to the Foxglove app, at ``/<robot>``.

It embeds a Zenoh router the robots connect to (``--listen``), or joins routers the user runs
(``--connect``), and serves each robot online at ``ws://<relay>:<port>/<robot>`` with the
bridge's own WebSocket server, access tokens (``--access-file``, with an optional ``robots:``
list per token) and TLS. A name not online, or not the token's, gets 404 before the upgrade.
``GET /`` lists the robots online; ``GET /status`` is the same as JSON; ``GET /healthz`` says
whether the loop turns. It needs no ROS: ``pip install`` of the package runs it on a cloud VM.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import socket
import sys
import time
from typing import Optional, Sequence, TYPE_CHECKING
import uuid

from foxglove_bridge_py.access.gate import Gate
from foxglove_bridge_py.access.grant import Grant
from foxglove_bridge_py.access.reload import AccessFile, AccessFileError
from foxglove_bridge_py.core.client_session import Effect
from foxglove_bridge_py.relay import wire
from foxglove_bridge_py.relay.link import session_config, zenoh_module
from foxglove_bridge_py.relay.relayed_robot import QueueLimits, RelayedRobot
from foxglove_bridge_py.server.http_answers import Monitoring
from foxglove_bridge_py.server.server import FoxgloveServer
from foxglove_bridge_py.server.tls import tls_context
from foxglove_bridge_py.threads.zenoh_side import ZenohSide

if TYPE_CHECKING:
    import zenoh

_log = logging.getLogger('foxglove_relay')
RUNNING: dict[int, 'Relay'] = {}
"""The relays this process serves, by their arguments' id (tests look at them)."""
PAGE = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Foxglove relay</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;text-align:left}</style>
</head><body><h1>Robots online</h1><table id="robots"><tr><th>robot</th><th>viewers</th>
<th>channels</th><th>URL</th><th></th></tr></table><p id="none"></p><script>
const token = new URLSearchParams(location.search).get('token');
async function load() {
  const answer = await fetch('/status' + (token ? '?token=' + encodeURIComponent(token) : ''));
  const status = await answer.json();
  const table = document.getElementById('robots');
  while (table.rows.length > 1) table.deleteRow(1);
  for (const robot of status.robots) {
    const row = table.insertRow();
    const url = robot.url.replace('RELAY', location.host);
    for (const text of [robot.name, robot.viewers, robot.channels, url]) {
      row.insertCell().textContent = text;
    }
    const link = document.createElement('a');
    link.textContent = 'Open in the app';
    link.href = 'https://app.foxglove.dev/?ds=foxglove-websocket&ds.url=' +
      encodeURIComponent(url);
    row.insertCell().appendChild(link);
  }
  document.getElementById('none').textContent = status.robots.length ? '' : 'None yet.';
}
load(); setInterval(load, 2000);
</script></body></html>
"""


class Relay:
    """The robots online at this relay, and which of them serves a path."""

    def __init__(self, session: 'zenoh.Session', side: ZenohSide, *, name: str,
                 limits: QueueLimits, tls: bool) -> None:
        """
        Watch for robots.

        :param session: the relay's Zenoh session.
        :param side: Zenoh's threads, and the hops from them to the loop.
        :param name: this relay's name, in the robots' audit lines.
        :param limits: bounds of each viewer's send queue.
        :param tls: whether viewers connect with wss://.
        """
        self._zenoh = session
        self._side = side
        self.name = name
        self.instance = uuid.uuid4().hex[:12]
        self._limits = limits
        self._scheme = 'wss' if tls else 'ws'
        self.robots: dict[str, RelayedRobot] = {}
        self.server: Optional[FoxgloveServer] = None
        self._alive = side.in_loop(self.robot_token)
        self._watch = session.liveliness().declare_subscriber(wire.ALIVE_ALL, self._alive_sample,
                                                              history=True)

    def _alive_sample(self, sample: 'zenoh.Sample') -> None:
        import zenoh
        self._alive(str(sample.key_expr), sample.kind == zenoh.SampleKind.PUT)

    def robot_token(self, key: str, alive: bool) -> None:
        """
        Serve a robot that came online, or close the viewers (1001) of one that went.

        :param key: its liveliness key.
        :param alive: whether the token appeared (True) or vanished.
        """
        robot = wire.read_alive_key(key)
        if robot is None:
            return
        name, instance = robot
        current = self.robots.get(name)
        if not alive:
            if current is not None and current.instance == instance:
                del self.robots[name]
                current.gone(f'robot {name} went offline')
                _log.info(f'robot {name} went offline')
            return
        if current is not None:
            if current.instance == instance:
                return
            current.gone(f'robot {name} restarted')
        self.robots[name] = RelayedRobot(
            name, instance, relay_id=self.instance, relay_name=self.name, session=self._zenoh,
            side=self._side, limits=self._limits, clock=time.monotonic, close=self.close)
        _log.info(f'robot {name} online')

    def close(self, client_id: int, code: int, reason: str) -> None:
        """
        Close a viewer's connection.

        :param client_id: the viewer.
        :param code: the close code.
        :param reason: the reason.
        """
        if self.server is not None:
            self.server.close(client_id, code, reason)

    def robot_for(self, path: str) -> Optional[RelayedRobot]:
        """
        Find the robot a path names.

        :param path: e.g. ``/R``.
        :return: the robot, or None if it is not online.
        """
        return self.robots.get(path.strip('/'))

    def unserved(self, path: str, grant: Optional[Grant]) -> Optional[str]:
        """
        Say why a handshake's path is not served, or None if it is.

        :param path: the request's path, without its query.
        :param grant: the viewer's rights, with an access file.
        :return: one line for the 404, or None.
        """
        name = path.strip('/')
        if not name:
            return ('Name a robot: ws://<relay>:<port>/<robot>; GET / lists the robots online')
        if name not in self.robots or (grant is not None and not grant.sees_robot(name)):
            return f'Robot {name} is not connected to this relay'
        return None

    def report(self) -> dict[str, object]:
        """
        Describe the robots online, for ``GET /status``.

        :return: each robot's name, viewers, channels and URL.
        """
        return {'relay': self.name, 'robots': [
            {'name': name, 'viewers': len(robot.sessions), 'channels': len(robot.channels),
             'url': f'{self._scheme}://RELAY/{name}'}
            for name, robot in sorted(self.robots.items())]}

    def stop(self) -> None:
        """Close every viewer and let go of the robots."""
        for robot in self.robots.values():
            robot.gone('relay shutting down')
        self.robots.clear()
        try:
            self._watch.undeclare()
        except Exception:  # noqa: B902 - the session may be closed already
            pass


def _arguments(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='foxglove_relay', description='Serve robots that dial out over Zenoh (the bridge '
        "with -p relay_connect:=['tcp/<this host>:7447']) to the Foxglove app, each at "
        'ws://<this host>:<port>/<robot>.')
    parser.add_argument('--listen', action='append', default=None, metavar='ENDPOINT',
                        help='Zenoh endpoint the embedded router listens on for robots '
                        '(default tcp/0.0.0.0:7447; repeat for more)')
    parser.add_argument('--connect', action='append', default=[], metavar='ENDPOINT',
                        help='Zenoh routers to join instead of listening (repeat for more)')
    parser.add_argument('--address', default='0.0.0.0', help='address of the WebSocket server')
    parser.add_argument('--port', type=int, default=8765, help='port of the WebSocket server')
    parser.add_argument('--name', default=socket.gethostname().split('.', 1)[0],
                        help="this relay's name in the robots' audit lines")
    parser.add_argument('--zenoh-config', default='', metavar='FILE',
                        help='Zenoh JSON5 file: TLS certificates, user and password checks')
    parser.add_argument('--access-file', default='', metavar='FILE',
                        help="viewers' tokens (the bridge's format; robots: per token)")
    parser.add_argument('--tls-certfile', default='', help='serve wss:// with this certificate')
    parser.add_argument('--tls-keyfile', default='', help='and this key')
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace, started: Optional[asyncio.Future] = None, *,
                stop: Optional[asyncio.Event] = None) -> None:
    """
    Run the relay until SIGINT or SIGTERM, or ``stop`` is set.

    :param args: the command line.
    :param started: told the WebSocket port once viewers can connect (tests).
    :param stop: ends the relay when set (tests); None: the signals do.
    """
    import zenoh
    listen = [] if args.connect and args.listen is None else (args.listen or ['tcp/0.0.0.0:7447'])
    session = zenoh.open(session_config(mode='router', listen=listen, connect=args.connect,
                                        config_file=args.zenoh_config))
    loop = asyncio.get_running_loop()
    side = ZenohSide(loop)
    limits = QueueLimits(send_buffer_limit=10_000_000, control_buffer_limit=32 * 1024 * 1024,
                         max_message_age=5.0, max_queued_messages=1024)
    relay = Relay(session, side, name=args.name, limits=limits,
                  tls=bool(args.tls_certfile))
    gate = Gate(AccessFile(args.access_file).table) if args.access_file else None
    beat = [time.monotonic()]
    server = relay.server = FoxgloveServer(
        _no_hub(), _carried_out_by_robot, address=args.address, port=args.port,
        ssl_context=tls_context(args.tls_certfile, args.tls_keyfile)
        if args.tls_certfile else None,
        monitoring=Monitoring(relay.report, _ages(beat), PAGE), gate=gate,
        hub_for=relay.robot_for, unserved=relay.unserved)
    RUNNING[id(args)] = relay
    if stop is None:
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
    await server.start()
    _log.info(f'foxglove_relay "{args.name}" serving ws://{args.address}:{server.port}/<robot>; '
              f'robots dial {", ".join(listen or args.connect)}')
    if started is not None:
        started.set_result(server.port)
    ticking = asyncio.ensure_future(_tick(beat))
    try:
        await stop.wait()
    finally:
        ticking.cancel()
        relay.stop()
        await server.stop()
        side.stop()
        session.close()
        RUNNING.pop(id(args), None)


class _NoHub:
    """The server's default hub at the relay: none, each path has its robot's."""

    sessions: dict = {}


def _no_hub() -> RelayedRobot:
    return _NoHub()  # type: ignore[return-value]  # never served: hub_for answers every path


def _carried_out_by_robot(effects: Sequence[Effect]) -> None:
    """Do nothing: a relayed robot carries out its own effects."""


class _ages:
    __slots__ = ('_beat',)

    def __init__(self, beat: list[float]) -> None:
        self._beat = beat

    def __call__(self) -> tuple[float, float]:
        age = time.monotonic() - self._beat[0]
        return age, age


async def _tick(beat: list[float]) -> None:
    while True:
        beat[0] = time.monotonic()
        await asyncio.sleep(0.25)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """
    Run ``foxglove_relay``.

    :param argv: the arguments (default: the command line's).
    :return: the exit status.
    """
    logging.basicConfig(level=logging.INFO, format='[%(levelname)s] [%(name)s] %(message)s')
    args = _arguments(argv)
    if zenoh_module() is None:
        print('foxglove_relay needs the eclipse-zenoh package: pip install eclipse-zenoh',
              file=sys.stderr)
        return 1
    try:
        asyncio.run(serve(args))
    except AccessFileError as exc:
        print(f'foxglove_relay: --access-file: {exc}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
