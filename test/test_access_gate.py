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

"""The door: the token a request presents, failures by address, and the HTTP answers (pure)."""

import hashlib
from http import HTTPStatus

from foxglove_bridge_py.access.gate import FailureLimiter, Gate, presented_token, Refusal, Refused
from foxglove_bridge_py.access.grant import Role
from foxglove_bridge_py.access.table import parse_access_file
from foxglove_bridge_py.server.http_answers import Answer, HttpAnswers, UNAUTHORIZED
from http_harness import ALLOWED, Headers, REQUEST_HEADERS
import pytest

TABLE_TEXT = (f'tokens:\n  - name: laptop\n    sha256: {hashlib.sha256(b"s3cret").hexdigest()}\n'
              '    role: operator\n')
TABLE = parse_access_file(TABLE_TEXT)


class Clock:

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize('path, headers, token', [
    ('/?token=s3cret', {}, 's3cret'),
    ('/?a=1&token=s%2F3', {}, 's/3'),
    ('/', {'Authorization': 'Bearer s3cret'}, 's3cret'),
    ('/', {'Authorization': 'bearer   s3cret '}, 's3cret'),
    ('/?token=from-url', {'Authorization': 'Bearer from-header'}, 'from-header'),
    ('/?token=from-url', {'Authorization': 'Basic dXNlcjpwdw=='}, 'from-url'),
    ('/?token=', {}, None),
    ('/', {'Authorization': 'Bearer '}, None),
    ('/status', {}, None),
])
def test_the_token_comes_from_the_bearer_header_or_the_url(path, headers, token):
    assert presented_token(path, Headers(headers)) == token


def test_ten_failures_within_a_minute_refuse_the_address_for_a_minute():
    clock = Clock()
    limiter = FailureLimiter(clock)
    for _ in range(9):
        limiter.fail('10.0.0.9')
        clock.now += 6.0
    assert limiter.blocked_for('10.0.0.9') == 0.0
    limiter.fail('10.0.0.9')  # the tenth, 54 s after the first
    assert limiter.blocked_for('10.0.0.9') == 60.0
    assert limiter.blocked_for('10.0.0.8') == 0.0  # nobody else
    clock.now += 59.5
    assert limiter.blocked_for('10.0.0.9') == 0.5
    clock.now += 0.5
    assert limiter.blocked_for('10.0.0.9') == 0.0
    # Failures spread wider than the window never add up to a refusal.
    for _ in range(30):
        limiter.fail('10.0.0.7')
        clock.now += 7.0
    assert limiter.blocked_for('10.0.0.7') == 0.0


def test_the_addresses_remembered_are_bounded():
    limiter = FailureLimiter(Clock(), max_failures=2, max_addresses=3)
    for address in ('a', 'b', 'c', 'd'):
        limiter.fail(address)
    assert list(limiter._failures) == ['b', 'c', 'd']
    for address in ('a', 'b', 'c', 'd'):
        limiter.fail(address)
        limiter.fail(address)
    assert list(limiter._blocked) == ['b', 'c', 'd']


def test_the_gate_admits_by_token_counts_failures_and_then_refuses_everyone_there():
    clock = Clock()
    gate = Gate(TABLE, clock)
    grant = gate.admit('/?token=s3cret', Headers(), '10.0.0.9')
    assert (grant.name, grant.role) == ('laptop', Role.OPERATOR)
    for attempt in range(10):
        assert gate.admit('/?token=guess', Headers(), '10.0.0.9') == Refused(
            Refusal.UNAUTHORIZED)
    assert gate.admit('/?token=s3cret', Headers(), '10.0.0.9') == Refused(
        Refusal.TOO_MANY_FAILURES, 60.0)
    assert gate.admit('/?token=s3cret', Headers(), '10.0.0.10').name == 'laptop'
    assert gate.grant_for('/?token=s3cret', Headers()).name == 'laptop'
    assert gate.grant_for('/', Headers()) is None


def test_401_is_the_same_for_a_missing_and_a_wrong_token_and_healthz_stays_open():
    answers = HttpAnswers(ALLOWED, report=lambda: {'server': {}},
                          heartbeat_ages=lambda: (0.1, 0.1), gate=Gate(TABLE, Clock()))
    unauthorized = Answer(HTTPStatus.UNAUTHORIZED, 'text/plain; charset=utf-8',
                          UNAUTHORIZED.encode(),
                          (('WWW-Authenticate', 'Bearer realm="foxglove_bridge"'),))
    assert answers.answer('/', REQUEST_HEADERS, 'a') == unauthorized
    assert answers.answer('/?token=wrong', REQUEST_HEADERS, 'a') == unauthorized
    assert answers.answer('/status', Headers(), 'a') == unauthorized
    assert answers.answer('/?token=s3cret', REQUEST_HEADERS, 'a') is None
    assert answers.answer('/?token=s3cret', Headers(), 'a').status == HTTPStatus.BAD_REQUEST
    assert answers.answer('/status?token=s3cret', Headers(), 'a').status == HTTPStatus.OK
    assert answers.answer('/status', Headers(Authorization='Bearer s3cret'), 'a').status == (
        HTTPStatus.OK)
    assert answers.answer('/healthz', Headers(), 'a').body == b'ok\n'
    for _ in range(7):
        answers.answer('/', REQUEST_HEADERS, 'a')
    assert answers.answer('/?token=s3cret', REQUEST_HEADERS, 'a') == Answer(
        HTTPStatus.TOO_MANY_REQUESTS, 'text/plain; charset=utf-8',
        b'Too many failed attempts from this address: try again in 60 s\n',
        (('Retry-After', '60'),))
    assert answers.answer('/healthz', Headers(), 'a').status == HTTPStatus.OK


def test_status_and_the_page_need_a_token_even_where_anonymous_clients_may_view():
    table = parse_access_file('anonymous: viewer\n' + TABLE_TEXT)
    answers = HttpAnswers(ALLOWED, report=lambda: {}, heartbeat_ages=lambda: (0.1, 0.1),
                          gate=Gate(table, Clock()), page=b'<p>page')
    assert answers.answer('/', Headers(REQUEST_HEADERS, Upgrade='websocket'), 'a') is None
    assert answers.answer('/status', Headers(), 'a').status == HTTPStatus.UNAUTHORIZED
    assert answers.answer('/', Headers(), 'a').status == HTTPStatus.UNAUTHORIZED
    assert answers.answer('/?token=s3cret', Headers(), 'a').body == b'<p>page'
