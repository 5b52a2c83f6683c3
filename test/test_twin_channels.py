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

"""Twin channels end to end: real ROS publishers, a real bridge, real WebSocket clients."""

import asyncio
import io
import struct
import time

from bridge_harness import Client, publish_until_received, TIMEOUT, wait_for
import pytest

PIL_Image = pytest.importorskip('PIL.Image')
numpy = pytest.importorskip('numpy')
pytest.importorskip('rclpy')

from rclpy.serialization import deserialize_message  # noqa: E402, I100
from sensor_msgs.msg import CompressedImage, Image, PointCloud2, PointField  # noqa: E402

JPEG_TWIN = '/cam/image_raw/foxglove/jpeg'
VIDEO_TWIN = '/cam/image_raw/foxglove/h264'
CLOUD_TWIN = '/lidar/points/foxglove/downsampled'


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 6 * TIMEOUT))


def camera_frame(width=64, height=48, encoding='rgb8', step=None, data=None, stamp=(17, 5)):
    message = Image(height=height, width=width, encoding=encoding)
    message.header.frame_id = 'camera_optical'
    message.header.stamp.sec, message.header.stamp.nanosec = stamp
    pixel = {'rgb8': 3, '16UC1': 2}[encoding]
    message.step = step if step is not None else width * pixel
    if data is None:
        ramp = numpy.arange(width * height * pixel, dtype=numpy.uint32) % 251
        data = ramp.astype(numpy.uint8).tobytes()
    message.data = data
    return message


def lidar_cloud(points):
    message = PointCloud2(height=1, width=points, point_step=16, row_step=16 * points,
                          is_dense=True)
    message.header.frame_id = 'lidar'
    message.fields = [PointField(name=n, offset=4 * i, datatype=PointField.FLOAT32, count=1)
                      for i, n in enumerate(('x', 'y', 'z', 'intensity'))]
    message.data = numpy.arange(points * 4, dtype='<f4').tobytes()
    return message


def bridge_subscriptions(helper_node, topic):
    return [i for i in helper_node.get_subscriptions_info_by_topic(topic)
            if i.node_name == 'foxglove_bridge']


def watch_encoders(monkeypatch):
    """Keep each twin encoder the live source makes, to read its count of encoded frames."""
    from foxglove_bridge_py.ros import source
    from foxglove_bridge_py.twins.plan import TwinEncoder

    made = []

    class WatchedEncoder(TwinEncoder):

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(source, 'TwinEncoder', WatchedEncoder)
    return made


def test_twins_are_advertised_with_their_schemas_and_cost_nothing_until_subscribed(
        run_bridge, helper_node, monkeypatch):
    encoders = watch_encoders(monkeypatch)
    bridge = run_bridge()
    encoder, = encoders
    camera = helper_node.create_publisher(Image, '/cam/image_raw', 10)
    lidar = helper_node.create_publisher(PointCloud2, '/lidar/points', 10)
    timer = helper_node.create_timer(0.05, lambda: (camera.publish(camera_frame()),
                                                    lidar.publish(lidar_cloud(10))))

    async def scenario():
        client = await Client.connect(bridge.url)
        raw = await client.channel_for('/cam/image_raw')
        jpeg = await client.channel_for(JPEG_TWIN)
        cloud = await client.channel_for(CLOUD_TWIN)
        assert (jpeg['schemaName'], jpeg['encoding'], jpeg['schemaEncoding']) == (
            'sensor_msgs/msg/CompressedImage', 'cdr', 'ros2msg')
        assert 'string format' in jpeg['schema'] and 'uint8[] data' in jpeg['schema']
        assert cloud['schemaName'] == 'sensor_msgs/msg/PointCloud2'
        # Advertised only: the bridge does not even subscribe to the sources.
        await client.quiet(0.5)
        assert bridge_subscriptions(helper_node, '/cam/image_raw') == []
        # The raw channel alone: one subscription, and still no encoding.
        await client.subscribe(1, raw['id'])
        await client.expect_binary()
        await client.quiet(0.5)
        assert len(bridge_subscriptions(helper_node, '/cam/image_raw')) == 1
        assert encoder.encoded == 0
        await client.unsubscribe(1)
        # The twin: now frames are encoded, and only while subscribed.
        await client.subscribe(2, jpeg['id'])
        # A raw frame sent before the unsubscribe may still be on its way: wait for the twin's.
        while (await client.expect_binary())[1:5] != struct.pack('<I', 2):
            pass
        await client.unsubscribe(2)
        wait_for(lambda: not bridge_subscriptions(helper_node, '/cam/image_raw'),
                 what='the twin source subscription to go')
        await client.quiet(0.3)
        encoded = encoder.encoded
        assert encoded > 0
        await client.quiet(0.5)
        assert encoder.encoded == encoded
        await client.close()

    run(scenario())
    helper_node.destroy_timer(timer)


def test_the_jpeg_twin_decodes_to_the_frame_size_with_its_header(run_bridge, helper_node):
    bridge = run_bridge(image_twin_quality=90)
    camera = helper_node.create_publisher(Image, '/cam/image_raw', 10)
    frame = camera_frame(width=160, height=120, stamp=(1_700_000_000, 123_456_789))

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.subscribe(1, (await client.channel_for(JPEG_TWIN))['id'])
        received = await publish_until_received(client, camera, frame, 1)
        twin = deserialize_message(received[13:], CompressedImage)
        assert twin.format == 'jpeg'
        assert (twin.header.stamp.sec, twin.header.stamp.nanosec) == (1_700_000_000, 123_456_789)
        assert twin.header.frame_id == 'camera_optical'
        picture = PIL_Image.open(io.BytesIO(bytes(twin.data)))
        assert (picture.format, picture.size, picture.mode) == ('JPEG', (160, 120), 'RGB')
        original = numpy.frombuffer(bytes(frame.data), numpy.uint8).reshape(120, 160, 3)
        error = numpy.abs(numpy.asarray(picture, numpy.int16) - original).mean()
        assert error < 12, error  # a faithful picture, not just any JPEG
        await client.close()

    run(scenario())


def test_a_depth_twin_is_a_png_that_round_trips_exactly(run_bridge, helper_node):
    bridge = run_bridge()
    camera = helper_node.create_publisher(Image, '/depth/image_raw', 10)
    depth = (numpy.arange(40 * 30, dtype=numpy.uint32) * 53 % 65536).astype('<u2')
    frame = camera_frame(width=40, height=30, encoding='16UC1', data=depth.tobytes())

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.subscribe(1, (await client.channel_for(
            '/depth/image_raw/foxglove/jpeg'))['id'])
        received = await publish_until_received(client, camera, frame, 1)
        twin = deserialize_message(received[13:], CompressedImage)
        assert twin.format == 'png'
        picture = PIL_Image.open(io.BytesIO(bytes(twin.data)))
        assert picture.size == (40, 30)
        assert numpy.array_equal(numpy.asarray(picture).astype('<u2').ravel(), depth)
        await client.close()

    run(scenario())


def test_the_cloud_twin_keeps_every_field_of_evenly_spread_points(run_bridge, helper_node):
    bridge = run_bridge(cloud_twin_max_points=100)
    lidar = helper_node.create_publisher(PointCloud2, '/lidar/points', 10)
    cloud = lidar_cloud(1000)

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.subscribe(1, (await client.channel_for(CLOUD_TWIN))['id'])
        frame = await publish_until_received(client, lidar, cloud, 1)
        twin = deserialize_message(frame[13:], PointCloud2)
        assert (twin.width, twin.height, twin.point_step, twin.row_step) == (100, 1, 16, 1600)
        assert [(f.name, f.offset, f.datatype) for f in twin.fields] == [
            (f.name, f.offset, f.datatype) for f in cloud.fields]
        assert twin.header.frame_id == 'lidar'
        points = numpy.frombuffer(bytes(twin.data), '<f4').reshape(100, 4)
        everything = numpy.frombuffer(bytes(cloud.data), '<f4').reshape(1000, 4)
        assert numpy.array_equal(points, everything[::10])
        await client.close()

    run(scenario())


def test_a_malformed_frame_gives_a_status_naming_the_topic_and_a_good_one_clears_it(
        run_bridge, helper_node):
    bridge = run_bridge()
    camera = helper_node.create_publisher(Image, '/cam/image_raw', 10)
    broken = camera_frame(width=64, height=48, data=bytes(100))

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.subscribe(1, (await client.channel_for(JPEG_TWIN))['id'])
        deadline = time.monotonic() + TIMEOUT
        status = None
        while status is None and time.monotonic() < deadline:
            camera.publish(broken)
            for frame in await client.quiet(0.2):
                if isinstance(frame, dict) and frame['op'] == 'status':
                    status = frame
        assert status is not None, 'no status for the malformed frame'
        assert status['level'] == 1
        assert status['message'] == (
            f'{JPEG_TWIN}: cannot make a twin of a message on /cam/image_raw: 64x48 rgb8 with '
            'step 192 needs 9216 bytes of data, the message has 100')
        # A good frame after it: the problem is withdrawn and the twin flows again.
        removal = {'op': 'removeStatus', 'statusIds': [status['id']]}
        frames = []
        deadline = time.monotonic() + TIMEOUT
        while not (removal in frames and any(isinstance(f, bytes) for f in frames)):
            assert time.monotonic() < deadline, frames
            camera.publish(camera_frame())
            frames += await client.quiet(0.2)
        await client.close()

    run(scenario())


def test_twins_follow_the_whitelists_and_can_be_turned_off(run_bridge, helper_node):
    helper_node.create_publisher(Image, '/cam/image_raw', 10)
    helper_node.create_publisher(Image, '/front/image', 10)
    helper_node.create_publisher(PointCloud2, '/lidar/points', 10)
    limited = run_bridge(topic_whitelist=['/cam/.*', '/lidar/.*'],
                         image_twin_topic_whitelist=['/cam/.*'], cloud_twins=False)
    off = run_bridge(image_twins=False, cloud_twins=False)

    async def topics(url):
        client = await Client.connect(url)
        await client.channel_for('/lidar/points')
        await client.channel_for('/cam/image_raw')
        await client.quiet(0.6)  # a few graph polls: every channel there is, is advertised
        advertised = {c['topic'] for c in client.channels.values()}
        await client.close()
        return advertised

    assert run(topics(limited.url)) == {'/cam/image_raw', JPEG_TWIN, VIDEO_TWIN,
                                        '/lidar/points', '/foxglove_bridge/sysinfo'}
    assert not any('/foxglove/' in t for t in run(topics(off.url)))


def test_the_twin_holds_its_max_rate(run_bridge, helper_node):
    bridge = run_bridge(image_twin_max_rate=4.0)
    camera = helper_node.create_publisher(Image, '/cam/image_raw', 10)

    async def scenario():
        client = await Client.connect(bridge.url)
        await client.subscribe(1, (await client.channel_for(JPEG_TWIN))['id'])
        await publish_until_received(client, camera, camera_frame(), 1)
        await client.quiet(0.5)
        start = time.monotonic()
        for index in range(40):  # 20 Hz for 2 s
            await asyncio.sleep(max(0.0, start + index / 20 - time.monotonic()))
            camera.publish(camera_frame(stamp=(index, 0)))
        expected = 4 * (time.monotonic() - start) + 1
        frames = [f for f in await client.quiet(1.0) if isinstance(f, bytes)]
        assert 0.9 * expected - 1 <= len(frames) <= 1.1 * expected + 1, (expected, len(frames))
        last = deserialize_message(frames[-1][13:], CompressedImage)
        assert last.header.stamp.sec == 39  # the newest frame wins, the last one too
        await client.close()

    run(scenario())


def test_the_h264_twin_starts_each_subscription_with_a_keyframe_in_the_app_schema(
        run_bridge, helper_node):
    av = pytest.importorskip('av')
    from foxglove_bridge_py.twins.cdr import CdrReader

    bridge = run_bridge(image_twin_max_rate=0.0)
    camera = helper_node.create_publisher(Image, '/cam/image_raw', 10)

    def decode_message(payload):
        reader = CdrReader(payload)
        stamp, frame_id = reader.stamp(), reader.string()
        data = bytes(reader.take(reader.u32()))
        return stamp, frame_id, data, reader.string()

    async def scenario():
        client = await Client.connect(bridge.url)
        channel = await client.channel_for(VIDEO_TWIN)
        assert (channel['schemaName'], channel['schemaEncoding']) == (
            'foxglove_msgs/msg/CompressedVideo', 'ros2msg')
        assert 'uint8[] data' in channel['schema'] and 'MSG: builtin_interfaces/Time' in (
            channel['schema'])
        decoder = av.CodecContext.create('h264', 'r')
        for subscription_id in (1, 2):  # a second subscription starts a new stream
            await client.subscribe(subscription_id, channel['id'])
            frame = await publish_until_received(client, camera, camera_frame(stamp=(9, 1)),
                                                 subscription_id)
            stamp, frame_id, data, video_format = decode_message(frame[13:])
            assert (stamp, frame_id, video_format) == ((9, 1), 'camera_optical', 'h264')
            assert b'\0\0\1\x65' in data  # an IDR slice: decodable without what came before
            pictures = decoder.decode(av.Packet(data)) + decoder.decode(None)
            assert [(p.width, p.height) for p in pictures] == [(64, 48)]
            decoder = av.CodecContext.create('h264', 'r')
            await client.unsubscribe(subscription_id)
            wait_for(lambda: not bridge_subscriptions(helper_node, '/cam/image_raw'),
                     what='the twin source subscription to go')
            await client.quiet(0.3)
        await client.close()

    run(scenario())


def test_stand_alone_twins_keep_one_frame_waiting_and_the_video_twin_all(run_bridge,
                                                                         helper_node):
    # A JPEG or a downsampled cloud is made stale by the next one: one waits per client, the
    # newest (test_send_queue, test_fanout). An H.264 frame is decoded against the one
    # before it: the video twin keeps its frames.
    bridge = run_bridge()
    helper_node.create_publisher(Image, '/cam/image_raw', 10)
    helper_node.create_publisher(PointCloud2, '/lidar/points', 10)

    async def scenario():
        client = await Client.connect(bridge.url)
        ids = [(await client.channel_for(topic))['id'] for topic in (
            JPEG_TWIN, CLOUD_TWIN, '/cam/image_raw/foxglove/h264', '/cam/image_raw')]
        await client.send({'op': 'subscribe', 'subscriptions': [
            {'id': n, 'channelId': channel_id} for n, channel_id in enumerate(ids)]})
        await client.quiet(0.3)
        session = bridge.call(lambda: next(iter(bridge.bridge.hub.sessions.values())))
        newest_only = bridge.call(lambda: set(session.send_queue._newest_only))
        await client.close()
        return ids, newest_only

    ids, newest_only = asyncio.run(scenario())
    assert newest_only == set(ids[:2])
