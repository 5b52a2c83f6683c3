from glob import glob
import os

from setuptools import find_packages
from setuptools import setup

package_name = 'foxglove_bridge_py'

setup(
    name=package_name,
    version='0.2.0',
    packages=find_packages(exclude=['test', 'test.*']),
    # The operator's page (GET /), served from the installed package.
    package_data={'foxglove_bridge_py.server': ['page/index.html']},
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
        (os.path.join('share', package_name, 'launch'), glob('launch/*_launch.*')),
        (os.path.join('share', package_name, 'config'), glob('config/*.yaml')),
        # The documentation, as ROS packages carry theirs.
        (os.path.join('share', package_name), ['README.md', 'CHANGELOG.rst']),
        (os.path.join('share', package_name, 'docs'), glob('docs/*.md')),
    ],
    install_requires=['setuptools', 'websockets>=10.4', 'PyYAML>=5.3'],
    zip_safe=True,
    maintainer='foxglove_bridge_py maintainers',
    maintainer_email='maintainers@foxglove-bridge-py.invalid',
    description='A Foxglove WebSocket bridge for ROS 2, in Python',
    license='Apache-2.0',
    extras_require={'test': ['pytest'], 'playback': ['mcap>=1.1'],
                    # remote access: relay_connect on the robot, and foxglove_relay
                    'relay': ['eclipse-zenoh==1.10.2']},
    entry_points={
        'console_scripts': [
            'foxglove_bridge = foxglove_bridge_py.node:main',
            'foxglove_bridge_demo = foxglove_bridge_py.demo:main',
            'make_token = foxglove_bridge_py.access.make_token:main',
            'foxglove_relay = foxglove_bridge_py.relay.main:main',
        ],
    },
)
