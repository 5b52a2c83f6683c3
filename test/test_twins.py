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

"""Which topics get twins, and how the encoder reports what it makes (pure)."""

from foxglove_bridge_py.bridge import twin_settings
from foxglove_bridge_py.config import BridgeConfig
from foxglove_bridge_py.twins.cdr import CdrError
from foxglove_bridge_py.twins.plan import (CLOUD_TYPE, COMPRESSED_IMAGE_TYPE,
                                           COMPRESSED_VIDEO_TYPE, IMAGE_TYPE, missing_modules,
                                           Stateless, Twin, TwinEncoder, TwinKind, TwinPlan)
import pytest


def plan(missing=(), **parameters):
    return TwinPlan(twin_settings(BridgeConfig.from_parameters(parameters)),
                    missing=lambda modules: [m for m in modules if m in missing])


ADVERTISED = {('/cam/image_raw', IMAGE_TYPE), ('/lidar/points', CLOUD_TYPE),
              ('/chatter', 'std_msgs/msg/String')}


def test_every_image_and_cloud_gets_a_twin_named_apart_from_image_transport():
    twins = plan().twins(ADVERTISED)
    assert set(twins) == {('/cam/image_raw/foxglove/jpeg', COMPRESSED_IMAGE_TYPE),
                          ('/cam/image_raw/foxglove/h264', COMPRESSED_VIDEO_TYPE),
                          ('/lidar/points/foxglove/downsampled', CLOUD_TYPE)}
    video = twins[('/cam/image_raw/foxglove/h264', COMPRESSED_VIDEO_TYPE)]
    assert video.kind.definition.startswith('# A single frame of a compressed video bitstream')
    assert 'MSG: builtin_interfaces/Time' in video.kind.definition
    image = twins[('/cam/image_raw/foxglove/jpeg', COMPRESSED_IMAGE_TYPE)]
    assert (image.source_topic, image.source_type) == ('/cam/image_raw', IMAGE_TYPE)
    assert image.kind.period == pytest.approx(0.1)  # image_twin_max_rate 10 Hz by default
    cloud = twins[('/lidar/points/foxglove/downsampled', CLOUD_TYPE)]
    assert (cloud.source_topic, cloud.kind.period) == ('/lidar/points', pytest.approx(0.1))


def test_twins_are_turned_off_by_kind_and_limited_by_topic():
    assert set(plan(image_twins=False).twins(ADVERTISED)) == {
        ('/cam/image_raw/foxglove/h264', COMPRESSED_VIDEO_TYPE),
        ('/lidar/points/foxglove/downsampled', CLOUD_TYPE)}
    assert set(plan(cloud_twins=False, video_twins=False).twins(ADVERTISED)) == {
        ('/cam/image_raw/foxglove/jpeg', COMPRESSED_IMAGE_TYPE)}
    limited = plan(image_twin_topic_whitelist=['/front/.*'], video_twins=False,
                   cloud_twin_topic_whitelist=['/lidar/.*'])
    assert set(limited.twins(ADVERTISED | {('/front/image', IMAGE_TYPE)})) == {
        ('/front/image/foxglove/jpeg', COMPRESSED_IMAGE_TYPE),
        ('/lidar/points/foxglove/downsampled', CLOUD_TYPE)}


def test_a_real_topic_of_the_same_name_and_type_wins_over_a_twin():
    real = ('/cam/image_raw/foxglove/jpeg', COMPRESSED_IMAGE_TYPE)
    assert real not in plan().twins(ADVERTISED | {real})


def test_rates_of_zero_mean_no_limit_and_rates_set_the_period():
    twins = plan(image_twin_max_rate=0.0, cloud_twin_max_rate=4.0,
                 video_twins=False).twins(ADVERTISED)
    periods = {t.source_topic: t.kind.period for t in twins.values()}
    assert periods == {'/cam/image_raw': 0.0, '/lidar/points': 0.25}


def test_a_missing_codec_library_turns_its_twins_off_with_one_warning_naming_the_package():
    without_pillow = plan(missing={'PIL'})
    assert without_pillow.warnings == [
        'image twins are off: PIL is not installed; install python3-pil and python3-numpy '
        '(pip install pillow numpy)']
    assert set(without_pillow.twins(ADVERTISED)) == {
        ('/cam/image_raw/foxglove/h264', COMPRESSED_VIDEO_TYPE),
        ('/lidar/points/foxglove/downsampled', CLOUD_TYPE)}
    without_pyav = plan(missing={'av'})
    assert without_pyav.warnings == [
        'video twins are off: av is not installed; install PyAV (pip install av; python3-av on '
        'Ubuntu)']
    assert ('/cam/image_raw/foxglove/jpeg', COMPRESSED_IMAGE_TYPE) in without_pyav.twins(
        ADVERTISED)
    without_numpy = plan(missing={'numpy'})
    assert len(without_numpy.warnings) == 3
    assert 'python3-numpy (pip install numpy)' in without_numpy.warnings[2]
    assert without_numpy.twins(ADVERTISED) == {}
    # Twins turned off by parameter need no library and say nothing.
    assert plan(missing={'PIL', 'numpy', 'av'}, image_twins=False, video_twins=False,
                cloud_twins=False).warnings == []


def test_missing_modules_are_looked_for_without_importing_them(monkeypatch):
    import sys

    assert missing_modules(['json', 'no_such_module_for_twins']) == ['no_such_module_for_twins']
    monkeypatch.setitem(sys.modules, 'hidden_module_for_twins', None)  # as a test hides one
    assert missing_modules(['hidden_module_for_twins']) == ['hidden_module_for_twins']
    monkeypatch.delitem(sys.modules, 'wave', raising=False)
    assert missing_modules(['wave']) == []
    assert 'wave' not in sys.modules  # found, not imported


def twin(encode):
    return Twin('/cam/foxglove/jpeg', '/cam', IMAGE_TYPE, TwinKind(
        '/foxglove/jpeg', COMPRESSED_IMAGE_TYPE, (), 0.0, lambda: Stateless(encode)))


class Recorder:

    def __init__(self):
        self.delivered, self.problems, self.solved = [], [], []
        self.encoder = TwinEncoder(lambda *m: self.delivered.append(m),
                                   lambda c, m: self.problems.append((c, m)), self.solved.append)


def test_the_encoder_delivers_the_twin_with_the_source_sequence_and_time():
    recorder = Recorder()
    recorder.encoder.encode(twin(lambda cdr: cdr.upper()), 7, 41, 1_000, b'frame')
    assert recorder.delivered == [(7, 41, 1_000, b'FRAME')]
    assert recorder.encoder.encoded == 1


def test_a_malformed_frame_is_reported_once_until_a_good_frame_solves_it():
    def encode(cdr):
        if cdr == b'bad':
            raise CdrError('640x480 rgb8 with step 1920 needs 921600 bytes of data, the message '
                           'has 10')
        return cdr

    recorder = Recorder()
    for frame in (b'bad', b'bad', b'bad'):
        recorder.encoder.encode(twin(encode), 3, 1, 1, frame)
    assert recorder.problems == [(3, '/cam/foxglove/jpeg: cannot make a twin of a message on '
                                     '/cam: 640x480 rgb8 with step 1920 needs 921600 bytes of '
                                     'data, the message has 10')]
    recorder.encoder.encode(twin(encode), 3, 2, 2, b'good')
    assert recorder.solved == [3]
    assert recorder.delivered == [(3, 2, 2, b'good')]
    recorder.encoder.encode(twin(encode), 3, 3, 3, b'good')
    assert recorder.solved == [3]  # solved once


def test_each_subscription_gets_its_own_codec_closed_when_forgotten():
    started = []

    class Counting:

        def __init__(self):
            self.frames, self.closed = 0, False
            started.append(self)

        def encode(self, cdr):
            self.frames += 1
            return b'%d' % self.frames

        def close(self):
            self.closed = True

    stream = Twin('/cam/foxglove/h264', '/cam', IMAGE_TYPE, TwinKind(
        '/foxglove/h264', COMPRESSED_VIDEO_TYPE, (), 0.0, Counting))
    recorder = Recorder()
    for sequence in (1, 2):
        recorder.encoder.encode(stream, 5, sequence, sequence, b'frame')
    recorder.encoder.encode(stream, 6, 3, 3, b'frame')
    assert [m[3] for m in recorder.delivered] == [b'1', b'2', b'1']  # state kept per channel
    recorder.encoder.forget(5)
    assert [c.closed for c in started] == [True, False]
    recorder.encoder.encode(stream, 5, 4, 4, b'frame')  # a new subscription starts afresh
    assert recorder.delivered[-1] == (5, 4, 4, b'1')


def test_an_encoding_no_twin_carries_is_reported_and_forgetting_reports_it_again():
    recorder = Recorder()
    recorder.encoder.encode(twin(lambda cdr: None), 3, 1, 1, b'yuv422')
    recorder.encoder.encode(twin(lambda cdr: None), 3, 2, 2, b'yuv422')
    assert len(recorder.problems) == 1
    assert 'in an encoding no twin carries' in recorder.problems[0][1]
    # The status went with the last subscriber; a new subscriber is told again.
    recorder.encoder.forget(3)
    recorder.encoder.encode(twin(lambda cdr: None), 3, 3, 3, b'yuv422')
    assert len(recorder.problems) == 2
    assert recorder.delivered == []


def test_a_frame_no_client_can_take_is_skipped_not_encoded():
    delivered, waiting = [], {7}
    encoder = TwinEncoder(lambda *m: delivered.append(m), lambda c, m: None, lambda c: None,
                          lambda channel_id: channel_id not in waiting)
    encoder.encode(twin(lambda cdr: cdr.upper()), 7, 1, 10, b'a')
    encoder.encode(twin(lambda cdr: cdr.upper()), 8, 2, 20, b'b')
    assert (encoder.encoded, encoder.skipped, delivered) == (1, 1, [(8, 2, 20, b'B')])
    waiting.clear()
    encoder.encode(twin(lambda cdr: cdr.upper()), 7, 3, 30, b'c')
    assert delivered[-1] == (7, 3, 30, b'C')
