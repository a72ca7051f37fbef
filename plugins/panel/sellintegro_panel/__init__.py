"""sellintegro-panel: a local web panel (``sellintegro panel``) over the core's public API."""

__version__ = "0.1.0"
