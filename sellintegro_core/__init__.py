"""sellintegro core: the plugin host (hookspecs, plugin manager, models, config, ledger, engine, CLI).

Plugins and front ends import only :mod:`sellintegro_core.api`, the core's public API (``hookimpl`` included).
"""

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("sellintegro")
"""Marker for plugin hook implementations: ``@hookimpl def sellintegro_register_sources(register): ...``"""

__all__ = ["__version__", "hookimpl"]
