"""The fake platforms the tests talk to instead of the internet (see platform.py).

Importing the package registers the general scenario modules, so any test that starts the fake
platform can use their links. Each scenario module imports `scenario` from platform.py, which is
therefore always fully loaded before any handler registers.
"""

from fakes import (  # noqa: F401
    platform,
    scenarios_examples,
    scenarios_media,
    scenarios_platforms,
    scenarios_traps,
)
