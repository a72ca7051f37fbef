"""Fault injection for reliability tests: ``--faults "5xx=0.05,timeout=0.02;methods=addInvoice;seed=7"``.

Kinds (rate = probability per matching call, drawn from one seeded RNG in arrival order):

* ``5xx``       -- HTTP 500/502/503 with an HTML body; the call is **not** applied (a gateway refused it).
* ``timeout``   -- the response is delayed by ``delay`` seconds (default 3; longer than a client timeout).
* ``drop``      -- the connection is closed without any response.
* ``malformed`` -- HTTP 200 with a truncated (invalid) JSON body.
* ``block``     -- the token is blocked (ERROR_BLOCKED_TOKEN with an until-time); the call is not applied.

For ``timeout``, ``drop`` and ``malformed`` the option ``apply`` decides whether the call was carried out
before the response went wrong: ``after`` (default; the worst case -- BaseLinker did it but the client never
heard back), ``before`` (lost before BaseLinker saw it) or ``random`` (seeded coin flip per fault).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

KINDS = ("5xx", "timeout", "drop", "malformed", "block")
APPLY_MODES = ("after", "before", "random")


@dataclass
class FaultSpec:
    """Parsed fault specification (see module docstring and docs/baselinker-emulator.md)."""

    rates: dict[str, float] = field(default_factory=dict)
    methods: frozenset[str] | None = None
    seed: int = 0
    delay: float = 3.0
    apply: str = "after"

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        """Parse ``"kind=rate,...;methods=a,b;seed=N;delay=S;apply=after|before|random"``."""
        from .methods import METHODS

        spec = cls()
        for section in filter(None, (s.strip() for s in text.split(";"))):
            if section.startswith("methods="):
                names = [m.strip() for m in section[len("methods="):].split(",") if m.strip()]
                unknown = [m for m in names if m not in METHODS]
                if unknown:
                    raise ValueError(f"--faults: unknown methods {', '.join(unknown)}; "
                                     f"known: {', '.join(sorted(METHODS))}")
                spec.methods = frozenset(names)
                continue
            for pair in filter(None, (p.strip() for p in section.split(","))):
                key, sep, value = pair.partition("=")
                key = key.strip()
                if not sep:
                    raise ValueError(f"--faults: expected key=value, got {pair!r}")
                try:
                    if key in KINDS:
                        rate = float(value)
                        if not 0 <= rate <= 1:
                            raise ValueError
                        spec.rates[key] = rate
                    elif key == "seed":
                        spec.seed = int(value)
                    elif key == "delay":
                        spec.delay = float(value)
                        if spec.delay < 0:
                            raise ValueError
                    elif key == "apply":
                        if value not in APPLY_MODES:
                            raise ValueError
                        spec.apply = value
                    else:
                        raise ValueError(f"--faults: unknown key {key!r}; kinds: {', '.join(KINDS)}; "
                                         "options: methods, seed, delay, apply")
                except ValueError as exc:
                    if str(exc).startswith("--faults"):
                        raise
                    raise ValueError(f"--faults: bad value in {pair!r}") from None
        if sum(spec.rates.values()) > 1:
            raise ValueError("--faults: the rates add up to more than 1")
        return spec


@dataclass
class Fault:
    """One fault chosen for one call."""

    kind: str
    applied: bool  # whether the call itself is carried out (state changed) before the fault


class FaultInjector:
    """Chooses faults per call: scripted one-shot faults first, then the random spec (deterministic)."""

    def __init__(self, spec: FaultSpec | None) -> None:
        self.spec = spec
        self._rng = random.Random(spec.seed if spec else 0)
        self._scripted: list[list] = []  # [kind, method or None, remaining, apply]

    def inject(self, kind: str, method: str | None = None, times: int = 1, apply: str = "after") -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
        if apply not in APPLY_MODES:
            raise ValueError(f"apply must be one of {', '.join(APPLY_MODES)}")
        self._scripted.append([kind, method, times, apply])

    def clear(self) -> None:
        self._scripted.clear()

    def choose(self, method: str) -> Fault | None:
        for entry in self._scripted:
            kind, wanted, remaining, apply = entry
            if remaining > 0 and (wanted is None or wanted == method):
                entry[2] -= 1
                if entry[2] == 0:
                    self._scripted.remove(entry)
                return self._fault(kind, apply)
        spec = self.spec
        if spec is None or not spec.rates or (spec.methods is not None and method not in spec.methods):
            return None
        draw = self._rng.random()
        total = 0.0
        for kind in KINDS:
            total += spec.rates.get(kind, 0.0)
            if draw < total:
                return self._fault(kind, spec.apply)
        return None

    def _fault(self, kind: str, apply: str) -> Fault:
        if kind in ("5xx", "block"):
            return Fault(kind, applied=False)
        if apply == "random":
            return Fault(kind, applied=self._rng.random() < 0.5)
        return Fault(kind, applied=apply == "after")
