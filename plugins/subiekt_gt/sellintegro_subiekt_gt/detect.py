"""``sellintegro subiekt detect SCENARIO``: suggest a ``[source.match]`` block from real documents.

Samples the newest ZK, FS and PA documents, tries every field (numer oryginału, podtytuł, tytuł, uwagi,
custom text fields) with a few reference shapes, with and without looking at the ZK, and reports how many
sales documents each combination would tie to an order. Reads only (SELECT).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TextIO

from sellintegro_core.api import ConfigError, OrderKey, plain

from . import queries as q
from .config import MatchConfig
from .matching import FIELD_COLUMNS, FIELD_LABELS, Matcher
from .patterns import PatternError

SHAPES: list[tuple[str, str, OrderKey, float]] = [
    # (pattern, description, order key, weight: a specific shape beats a generic one covering a bit more)
    (r"^B_(?P<ref>\d+)$", "B_<digits> (Sellintegro's convention)", "order_id", 1.0),
    (r"^(?P<ref>\d{5,12})$", "<digits> only", "order_id", 0.97),
    (r"(?i)(?:zam[oó]wieni[ea]|order|baselinker|\bBL\b)\D{0,30}(?P<ref>\d{5,12})",
     "an order number inside text", "order_id", 0.95),
    (r"^(?P<ref>[A-Za-z0-9][A-Za-z0-9_/-]{3,40})$", "one code (marketplace or shop number)",
     "external_order_id", 0.8),
]
WEIGHTS = {s[0]: s[3] for s in SHAPES}
SALES = (2, 21)


@dataclass
class Candidate:
    field: str
    pattern: str
    shape: str
    order_key: str
    via_order_document: bool
    matched: int = 0
    total: int = 0
    examples: list[str] = dataclasses.field(default_factory=list)

    @property
    def share(self) -> float:
        return self.matched / self.total if self.total else 0.0

    def toml(self) -> str:
        pattern = self.pattern.replace("\\", "\\\\").replace('"', '\\"')
        return "\n".join([
            "[source.match]",
            f'field = "{self.field}"',
            f'pattern = "{pattern}"',
            f"via_order_document = {'true' if self.via_order_document else 'false'}",
            f'order_key = "{self.order_key}"',
        ])


@dataclass
class FieldStat:
    kind: str          # ZK, FS, PA
    label: str
    shape: str
    matched: int
    total: int
    examples: list[str]


@dataclass
class DetectReport:
    sampled: dict[str, int]
    stats: list[FieldStat]
    candidates: list[Candidate]

    @property
    def best(self) -> Candidate | None:
        good = [c for c in self.candidates if c.matched]
        return good[0] if good else None


def detect(source: Any, sample: int = 500) -> DetectReport:
    """Sample the newest documents through ``source`` (a connected :class:`SubiektSource`)."""
    db = source.connect()
    schema = source.schema
    sql = q.recent_of_type(schema)
    rows: dict[str, list[dict[str, Any]]] = {}
    for kind, typ in (("ZK", 16), ("FS", 2), ("PA", 21)):
        rows[kind] = db.page(sql, [typ], sample)
    sales = rows["FS"] + rows["PA"]
    related: dict[int, dict[str, Any]] = {r["dok_Id"]: r for r in rows["ZK"]}
    missing = [r["dok_DoDokId"] for r in sales if r.get("dok_DoDokId") and r["dok_DoDokId"] not in related]
    for part in range(0, len(missing), 500):
        ids = sorted(set(missing[part:part + 500]))
        for r in db.rows(q.references_by_ids(schema, len(ids)), ids):
            related[r["dok_Id"]] = r
    for r in sales:
        related.setdefault(r["dok_Id"], r)

    fields: list[str] = list(FIELD_COLUMNS)
    custom: dict[tuple[int, int], dict[str, Any]] = {}
    custom_defs: dict[str, dict[int, str]] = {}
    if schema.has("pw_Pole") and schema.has("pw_Dane"):
        for d in db.rows(q.CUSTOM_FIELD_DEFINITIONS):
            slot = str(d["pwp_Pole"] or "").strip()
            name = str(d["pwp_Nazwa"] or "").strip()
            if name and slot in q.CUSTOM_SLOTS and (slot.startswith("pwd_Tekst") or slot.startswith("pwd_Liczba")):
                custom_defs.setdefault(name, {})[d["pwp_TypObiektu"]] = slot
        if custom_defs:
            slots = sorted({s for m in custom_defs.values() for s in m.values()})
            types = sorted({t for m in custom_defs.values() for t in m})
            ids = sorted(related)
            for part in range(0, len(ids), 500):
                chunk = ids[part:part + 500]
                for r in db.rows(q.custom_field_values(slots, len(types), len(chunk)), [*types, *chunk]):
                    custom[(r["pwd_TypObiektu"], r["pwd_IdObiektu"])] = r
            fields += [f"pole_wlasne:{name}" for name in sorted(custom_defs)]

    def custom_getter(name: str) -> Any:
        defs = custom_defs[name]

        def get(header: dict[str, Any]) -> str | None:
            for typ, slot in defs.items():
                row = custom.get((typ, header["dok_Id"]))
                if row is not None and row.get(slot) not in (None, ""):
                    return str(row[slot])
            return None
        return get

    stats: list[FieldStat] = []
    candidates: list[Candidate] = []
    for fld in fields:
        getter = custom_getter(fld.split(":", 1)[1]) if fld.startswith("pole_wlasne:") else None
        for pattern, shape, key, _weight in SHAPES:
            base = MatchConfig(field=fld, pattern=pattern, via_order_document=False, order_key=key)
            matcher = Matcher(base, getter)
            for kind in ("ZK", "FS", "PA"):
                values = [matcher.value(r) for r in rows[kind]]
                hits = [v for v in values if _extracts(matcher, v)]
                if hits:
                    stats.append(FieldStat(kind, matcher.label, shape, len(hits), len(values), hits[:3]))
            for via in (False, True):
                config = base.model_copy(update={"via_order_document": via})
                matcher = Matcher(config, getter)
                cand = Candidate(fld, pattern, shape, key, via, total=len(sales))
                for r in sales:
                    ref, info = matcher.match(r, related, {})
                    if ref is not None:
                        cand.matched += 1
                        if len(cand.examples) < 3:
                            cand.examples.append(f"{r['dok_NrPelny']} -> {ref.value} ({info.via})")
                candidates.append(cand)
    shape_rank = {s[0]: i for i, s in enumerate(SHAPES)}
    candidates.sort(key=lambda c: (-c.matched * WEIGHTS[c.pattern], shape_rank[c.pattern],
                                   c.via_order_document is False, fields.index(c.field)))
    # Prefer not looking at the ZK when it adds nothing
    best = candidates[0] if candidates else None
    if best and best.via_order_document:
        twin = next((c for c in candidates if c.field == best.field and c.pattern == best.pattern
                     and not c.via_order_document), None)
        if twin and twin.matched == best.matched:
            candidates.remove(twin)
            candidates.insert(0, twin)
    # per field and kind keep the most specific shape that still covers 80 % of what the best one covers
    kept: list[FieldStat] = []
    for kind_label in dict.fromkeys((s.kind, s.label) for s in stats):
        group = [s for s in stats if (s.kind, s.label) == kind_label]
        top = max(s.matched for s in group)
        kept.append(next(s for s in group if s.matched >= 0.8 * top))
    stats = sorted(kept, key=lambda s: (-s.matched / max(s.total, 1), s.kind))
    return DetectReport(sampled={k: len(v) for k, v in rows.items()}, stats=stats, candidates=candidates)


def _extracts(matcher: Matcher, value: str) -> bool:
    """Whether the shape finds a reference in ``value`` (a value it cannot be applied to counts as no)."""
    try:
        return bool(matcher.extract(value))
    except PatternError:
        return False


def format_report(report: DetectReport) -> str:
    lines = [f"Sampled the newest documents: ZK {report.sampled['ZK']}, FS {report.sampled['FS']}, "
             f"PA {report.sampled['PA']}.", ""]
    if report.stats:
        lines.append("What the fields hold:")
        seen = set()
        for s in report.stats:
            key = (s.kind, s.label)
            if key in seen:
                continue
            seen.add(key)
            percent = round(100 * s.matched / s.total) if s.total else 0
            example = ", ".join(f'"{e}"' for e in s.examples[:2])
            lines.append(f"  {s.label} on {percent} % of {s.kind} looks like {s.shape} (e.g. {example})")
        lines.append("")
    best = report.best
    if best is None:
        total = report.candidates[0].total if report.candidates else 0
        lines += [f"No field ties the {total} sampled FS/PA documents to orders.",
                  "Check where your BaseLinker integration writes the order number (numer oryginału, tytuł, "
                  "podtytuł, uwagi or a custom field) and set [source.match] by hand; see docs/subiekt_gt.md."]
        return "\n".join(lines)
    percent = round(100 * best.share)
    lines += [f"Suggested (ties {best.matched} of {best.total} sampled FS/PA documents = {percent} % to an order; "
              f"e.g. {'; '.join(best.examples)}):", "", best.toml(), ""]
    if best.order_key == "external_order_id":
        lines.append("The references are codes, not BaseLinker order ids: order_key = \"external_order_id\" "
                     "assumes they are the marketplace/shop order numbers BaseLinker shows; change it to "
                     "\"shop_order_id\" if they are your shop's order numbers.")
    else:
        lines.append("order_key = \"order_id\" assumes the digits are BaseLinker order ids; if they are your "
                     "shop's order numbers use \"shop_order_id\".")
    if percent < 90:
        lines.append("Less than 90 % of documents match: documents issued by hand will be reported as "
                     "unmatched in `sellintegro plan`.")
    others = [c for c in report.candidates[1:] if c.matched and (c.field, c.pattern) != (best.field, best.pattern)]
    if others:
        lines.append("")
        lines.append("Other options:")
        for c in others[:3]:
            label = FIELD_LABELS.get(c.field, c.field)
            lines.append(f"  {label}, {c.shape}{' (also on the ZK)' if c.via_order_document else ''}: "
                         f"{c.matched} of {c.total}")
    return "\n".join(lines)


def run_detect(path: str, *, sample: int, out: TextIO) -> int:
    """Load the scenario's [source] (ignoring a broken [source.match]), sample and print the suggestion."""
    from sellintegro_core.api import build_component, close_quietly, load_scenario

    scenario = load_scenario(path, validate_components=False)
    if scenario.plugin_name("source") != "subiekt_gt":
        raise ConfigError(f"{path}: [source] does not use plugin = \"subiekt_gt\"")
    section = dict(scenario.section("source"))
    section.pop("match", None)
    source = build_component(scenario, "source", plan_only=True, section=section)
    try:
        report = detect(source, sample=sample)
    finally:
        close_quietly(source)
    out.write(plain(format_report(report), keep_newlines=True) + "\n")   # field values are data, not markup
    return 0
