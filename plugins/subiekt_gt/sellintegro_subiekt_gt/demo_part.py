"""The source part of ``sellintegro demo`` (hook ``sellintegro_demo_parts``): a demo Subiekt GT database.

Publishes ``orders`` (the BaseLinker orders its documents belong to) and ``expected`` (the documents a correct
run attaches) for the other parts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sellintegro_core.api import DemoPiece

DATABASE = "subiekt-demo.sqlite"


def section(dsn: str = f"sqlite:///{DATABASE}") -> str:
    """``[source]`` of the demo scenario: all five document kinds, ``B_<order id>`` in numer oryginału."""
    return f'''[source]
plugin = "subiekt_gt"
dsn = {json.dumps(dsn, ensure_ascii=False)}
document_types = ["FS", "PA", "KFS", "ZW", "FSd"]

[source.match]
field = "numer_oryginalny"
pattern = "^B_(?P<ref>\\\\d+)$"
via_order_document = true
order_key = "order_id"
'''


def start(demo: Any) -> DemoPiece:
    """Make the database once (a later demo reuses it) and share its orders and expected documents."""
    db: Path = demo.folder / DATABASE
    started = ""
    if not db.exists():
        from .demo_db import generate

        started = generate(db, documents=demo.documents, seed=demo.seed, days=6).as_text()
    sidecar = json.loads(Path(str(db) + ".orders.json").read_text(encoding="utf-8"))
    demo.shared["orders"] = sidecar["orders"]
    demo.shared["expected"] = sidecar.get("expected", [])
    return DemoPiece(section=section(), started=started)
