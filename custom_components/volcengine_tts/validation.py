"""The schema library of the running Home Assistant, as ``vol``.

Home Assistant 2026.10 validates with probatio, an API-compatible successor of
voluptuous that it installs as ``voluptuous`` when it starts; earlier releases use
voluptuous itself. At run time ``import voluptuous`` is therefore right on every
release. A type checker sees the packages as installed, though, and from 2026.10 on
(which needs Python 3.14) Home Assistant's signatures name probatio's classes: this
module shows it the library those signatures expect.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING and sys.version_info >= (3, 14):
    import probatio as vol
else:
    import voluptuous as vol

__all__ = ["vol"]
