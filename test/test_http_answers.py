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

"""What the server answers before a handshake: refusals, /status and /healthz (pure)."""

from http import HTTPStatus
import json

from foxglove_bridge_py.server.http_answers import Answer, HttpAnswers, MISSING_SUBPROTOCOL
from http_harness import ALLOWED, Headers, REQUEST_HEADERS


def answers(ages=(0.1, 0.2)):
    return HttpAnswers(ALLOWED, report=lambda: {'server': {'clients': 2}},
                       heartbeat_ages=lambda: ages)


def test_a_handshake_with_a_foxglove_subprotocol_goes_on_and_others_are_refused():
    assert answers().answer('/', REQUEST_HEADERS) is None
    assert answers().answer('/', Headers()) == Answer(
        HTTPStatus.BAD_REQUEST, 'text/plain; charset=utf-8', MISSING_SUBPROTOCOL.encode())
    evil = Headers(REQUEST_HEADERS, Origin='https://evil.example')
    assert answers().answer('/', evil) == Answer(
        HTTPStatus.FORBIDDEN, 'text/plain; charset=utf-8',
        b'Origin https://evil.example is not in allowed_origins\n')
    foxglove = Headers(REQUEST_HEADERS, Origin='https://app.foxglove.dev')
    assert answers().answer('/', foxglove) is None


def test_status_is_the_report_as_json_for_tools_and_allowed_browsers():
    for path, headers in (('/status', Headers()), ('/status?pretty=1', Headers()),
                          ('/status', Headers(Origin='https://app.foxglove.dev'))):
        status, content_type, body, _ = answers().answer(path, headers)
        assert (status, content_type) == (HTTPStatus.OK, 'application/json')
        assert json.loads(body) == {'server': {'clients': 2}}
    status = answers().answer('/status', Headers(Origin='https://evil.example')).status
    assert status == HTTPStatus.FORBIDDEN


def test_healthz_is_503_naming_the_thread_that_stopped_turning():
    assert answers((0.1, 0.9)).answer('/healthz', Headers()) == Answer(
        HTTPStatus.OK, 'text/plain; charset=utf-8', b'ok\n')
    assert answers((0.1, 2.5)).answer('/healthz', Headers()) == Answer(
        HTTPStatus.SERVICE_UNAVAILABLE, 'text/plain; charset=utf-8',
        b'stalled: the ROS executor last turned 2.5 s ago\n')
    assert answers((1.5, 3.0)).answer('/healthz', Headers())[2] == (
        b'stalled: the asyncio loop last turned 1.5 s ago; the ROS executor last turned 3.0 s '
        b'ago\n')


def test_without_monitoring_the_paths_are_plain_handshakes():
    quiet = HttpAnswers(ALLOWED)
    assert quiet.answer('/status', Headers())[0] == HTTPStatus.BAD_REQUEST
    assert quiet.answer('/healthz', REQUEST_HEADERS) is None


def test_the_page_is_served_at_the_root_to_browsers_and_handshakes_go_on():
    page = b'<!DOCTYPE html><title>bridge</title>'
    with_page = HttpAnswers(ALLOWED, report=lambda: {}, heartbeat_ages=lambda: (0.1, 0.1),
                            page=page)
    for path in ('/', '/index.html', '/?token=abc'):
        assert with_page.answer(path, Headers()) == Answer(
            HTTPStatus.OK, 'text/html; charset=utf-8', page, (('Cache-Control', 'no-store'),))
    upgrade = Headers(REQUEST_HEADERS, Upgrade='websocket', Connection='Upgrade')
    assert with_page.answer('/', upgrade) is None
    assert with_page.answer('/', Headers(Origin='https://evil.example')).status == (
        HTTPStatus.FORBIDDEN)
    assert HttpAnswers(ALLOWED, page=page).answer('/', Headers()).status == (
        HTTPStatus.BAD_REQUEST)  # status_endpoint:=false: no page either
