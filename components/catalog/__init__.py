"""The facts the package relies on, each with its source: the containers, VM sizes, and the platforms.

Config validation and every component read facts from here; nothing else hard-codes an image, port or size.
"""

from components.catalog.app_gateway import *  # noqa: F403
from components.catalog.containers import *  # noqa: F403
from components.catalog.daemonsets import *  # noqa: F403
from components.catalog.gateway import *  # noqa: F403
from components.catalog.lockdown import *  # noqa: F403
from components.catalog.platform import *  # noqa: F403
from components.catalog.prices import *  # noqa: F403
from components.catalog.vm_sizes import *  # noqa: F403
