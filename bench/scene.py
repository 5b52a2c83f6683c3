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
A synthetic camera scene that compresses like a real one: texture and edges, not noise.

Random bytes defeat JPEG (a noise frame compresses to about its raw size) and a plain gradient
flatters it; a camera sees neither. This scene has a sky with soft clouds, a brick wall with
mortar lines and per-brick colour, a tiled floor in perspective, solid objects with shading and
hard edges, and a little sensor grain. The camera pans: each frame is a window on a wider
panorama, so consecutive frames differ as a moving robot's do.
"""

import numpy

PAN_PIXELS_PER_FRAME = 12


def _sky(height, width, rng):
    rows = numpy.linspace(0.0, 1.0, height)[:, None]
    base = numpy.stack([90 + 80 * rows, 140 + 70 * rows, 220 + 20 * rows], axis=-1)
    x = numpy.arange(width)[None, :]
    clouds = numpy.zeros((height, width))
    for _ in range(6):
        clouds += numpy.sin(x / rng.uniform(40, 160) + rng.uniform(0, 6)) * numpy.sin(
            rows * rng.uniform(6, 20) + rng.uniform(0, 6))
    return base + 18 * numpy.clip(clouds, 0, None)[..., None]


def _bricks(height, width, rng):
    brick_h, brick_w = 28, 70
    y, x = numpy.mgrid[0:height, 0:width]
    row = y // brick_h
    column = (x + (row % 2) * (brick_w // 2)) // brick_w
    tint = rng.uniform(-30, 30, size=(row.max() + 1, column.max() + 2))
    colour = numpy.stack([150 + tint[row, column], 70 + 0.6 * tint[row, column],
                          55 + 0.3 * tint[row, column]], axis=-1)
    mortar = ((y % brick_h) < 3) | (((x + (row % 2) * (brick_w // 2)) % brick_w) < 3)
    colour[mortar] = (190, 185, 175)
    return colour


def _floor(height, width):
    y, x = numpy.mgrid[0:height, 0:width].astype(float)
    distance = height / (y + 0.15 * height)  # in perspective: rows near the top are far
    u = (x - width / 2) * distance / 90.0
    v = distance * 4.0
    checker = ((numpy.floor(u) + numpy.floor(v)) % 2)[..., None]
    fade = (1.0 / distance)[..., None]  # far tiles blur into grey, as a lens makes them
    tiles = 95 + (25 + 35 * numpy.clip(fade, 0, 1)) * (2 * checker - 1)
    return tiles * numpy.ones(3) + 6 * numpy.sin(x / 7.0)[..., None]


def _objects(image, rng):
    height, width, _ = image.shape
    y, x = numpy.mgrid[0:height, 0:width]
    for _ in range(max(4, width // 160)):
        cx, cy = rng.uniform(0, width), rng.uniform(0.35, 0.8) * height
        radius = rng.uniform(0.04, 0.1) * height
        inside = (x - cx) ** 2 + (y - cy) ** 2 < radius ** 2
        shade = numpy.clip(1.2 - ((x - cx + radius / 3) ** 2 + (y - cy + radius / 3) ** 2)
                           / (radius ** 2 * 1.5), 0.4, 1.2)
        colour = rng.uniform(40, 230, size=3)
        image[inside] = (shade[inside, None] * colour)
    for _ in range(max(3, width // 240)):
        left, top = int(rng.uniform(0, width - 80)), int(rng.uniform(0.3, 0.7) * height)
        w, h = int(rng.uniform(40, 160)), int(rng.uniform(40, 120))
        image[top:top + h, left:left + w] = rng.uniform(30, 220, size=3)
        image[top:top + h:6, left:left + w] *= 0.7  # stripes: a grille, a label


def panorama(width, height, seed=7):
    """
    Paint a scene twice as wide as the frame, to pan across.

    :param width: frame width in pixels.
    :param height: frame height in pixels.
    :param seed: fixes the scene, so every run sees the same one.
    :return: an ``(height, 2 * width, 3)`` uint8 array.
    """
    rng = numpy.random.default_rng(seed)
    wide = 2 * width
    horizon, wall_bottom = int(0.3 * height), int(0.62 * height)
    image = numpy.empty((height, wide, 3))
    image[:horizon] = _sky(horizon, wide, rng)
    image[horizon:wall_bottom] = _bricks(wall_bottom - horizon, wide, rng)
    image[wall_bottom:] = _floor(height - wall_bottom, wide)
    _objects(image, rng)
    image += rng.normal(0, 2.5, size=image.shape)  # sensor grain
    return numpy.clip(image, 0, 255).astype(numpy.uint8)


def frame(scene, index, width):
    """
    Take frame ``index`` of a pan across the scene, as rgb8 bytes.

    :param scene: the panorama.
    :param index: the frame number.
    :param width: frame width in pixels.
    :return: ``height * width * 3`` bytes.
    """
    start = (index * PAN_PIXELS_PER_FRAME) % (scene.shape[1] - width)
    return scene[:, start:start + width].tobytes()
