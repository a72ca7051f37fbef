"""sellintegro-baselinker: the BaseLinker sink (httpx client) and a BaseLinker ``connector.php`` emulator.

* ``sellintegro_baselinker.plugin`` -- pluggy hook implementations (entry point ``sellintegro: baselinker``).
* ``sellintegro_baselinker.emulator`` -- :class:`~sellintegro_baselinker.emulator.Emulator`, a WSGI app and a
  threaded loopback server speaking BaseLinker's API (for tests, the demo and ``sellintegro baselinker emulator``).
"""

__version__ = "0.1.0"
