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

"""ros/services.py against a real rclpy service: calls in CDR and JSON, failures by name."""

import json

import pytest

pytest.importorskip('rclpy')

from foxglove_bridge_py.ros.services import ServiceCaller  # noqa: E402, I100
from rclpy.serialization import deserialize_message, serialize_message  # noqa: E402
from ros_harness import Collected  # noqa: E402
from std_srvs.srv import SetBool  # noqa: E402


def serve_set_bool(node, name='/arm/enable'):
    def answer(request, response):
        response.success = request.data
        response.message = f'enabled: {request.data}'
        return response
    return node.create_service(SetBool, name, answer)


def test_a_cdr_call_is_answered_in_cdr_and_a_json_call_in_json(ros_side, helper_node):
    serve_set_bool(helper_node)
    caller = ros_side.on_ros(ServiceCaller, ros_side.node)
    ready = ros_side.on_ros(caller._client, '/arm/enable', SetBool)
    ready.wait_for_service(timeout_sec=10)
    done = Collected()
    ros_side.on_ros(caller.call_encoded, 1, '/arm/enable', 'std_srvs/srv/SetBool', 'cdr',
                    serialize_message(SetBool.Request(data=True)), 5.0, done)
    ros_side.on_ros(caller.call_encoded, 2, '/arm/enable', 'std_srvs/srv/SetBool', 'json',
                    b'{"data": false}', 5.0, done)
    (cdr, cdr_error), (text, json_error) = done.wait(2, 'both answers')
    assert (cdr_error, json_error) == (None, None)
    response = deserialize_message(cdr, SetBool.Response)
    assert (response.success, response.message) == (True, 'enabled: True')
    assert json.loads(text) == {'success': False, 'message': 'enabled: False'}
    ros_side.on_ros(caller.destroy)


def test_failures_are_named_and_answered_once(ros_side, helper_node, ros_context):
    from rclpy.node import Node

    silent = Node('silent_server', context=ros_context)  # never spun: it never answers
    silent.create_service(SetBool, '/arm/silent', lambda request, response: response)
    serve_set_bool(helper_node)
    caller = ros_side.on_ros(ServiceCaller, ros_side.node)
    for name in ('/arm/enable', '/arm/silent'):
        ros_side.on_ros(caller._client, name, SetBool).wait_for_service(timeout_sec=10)
    done = Collected()
    calls = [
        ('/arm/none', 'std_srvs/srv/SetBool', 'cdr', b''),
        ('/arm/enable', 'no_such_pkg/srv/Nothing', 'cdr', b''),
        ('/arm/enable', 'std_srvs/srv/SetBool', 'json', b'{"data": "yes"}'),
        ('/arm/silent', 'std_srvs/srv/SetBool', 'cdr',
         serialize_message(SetBool.Request(data=True))),
    ]
    for key, (name, type_name, encoding, payload) in enumerate(calls):
        ros_side.on_ros(caller.call_encoded, key, name, type_name, encoding, payload, 0.3,
                        lambda response, error, key=key: done(key, response, error))
    answers = {key: (response, error) for key, response, error in done.wait(4, 'four answers')}
    assert answers[0] == (None, 'Service /arm/none is not available')
    assert answers[1][1].startswith('Service type no_such_pkg/srv/Nothing is not installed')
    assert answers[2][1].startswith('Bad request for /arm/enable (std_srvs/srv/SetBool): ')
    assert 'data' in answers[2][1]
    assert answers[3] == (None, 'Service /arm/silent did not answer within 300 ms')
    assert len(done.calls) == 4
    ros_side.on_ros(caller.destroy)
    silent.destroy_node()
