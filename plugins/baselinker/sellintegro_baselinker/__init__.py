"""sellintegro-baselinker: the BaseLinker sink (httpx client).

* ``sellintegro_baselinker.plugin`` -- pluggy hook implementations (entry point ``sellintegro: baselinker``).
* The ``connector.php`` emulator is a separate distribution: sellintegro-baselinker-emulator
  (``sellintegro_baselinker_emulator``, ``sellintegro baselinker emulator``).
"""

__version__ = "0.1.0"
