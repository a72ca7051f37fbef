"""The Subiekt GT fields a ``[source.match]`` may read the BaseLinker order number from (no imports: the
settings model and the ``init`` questions both use them)."""

from __future__ import annotations

MATCH_FIELDS = ("numer_oryginalny", "podtytul", "tytul", "uwagi")
CUSTOM_FIELD_PREFIX = "pole_wlasne:"
