"""Embedded settings plus one bare view (/bench/bare/), for the intake-speed bench only."""

from qinglang.settings.embedded import *  # noqa: F403

ROOT_URLCONF = "bench._bare_urls"
