"""Order matching for every [source.match] field option, the ZK chain, corrections, FSd and unmatched documents."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sellintegro_core.errors import ConfigError
from sellintegro_subiekt_gt.config import SubiektConfig

from .conftest import by_id, make_source, read_all

B_REF = r"^B_(?P<ref>\d+)$"


def order_of(demo, key: str) -> str:
    return str(demo.showcase[key]["order"]["order_id"])


def test_numer_oryginalny_on_the_zk(dsn, demo):
    docs = by_id(read_all(dsn, match={"field": "numer_oryginalny", "pattern": B_REF}))
    for key in ("fs", "pa", "pai", "eur", "online_pending"):
        doc = docs[demo.showcase[key]["doc"]["id"]]
        assert doc.order_ref is not None and doc.order_ref.value == order_of(demo, key), key
        assert doc.order_ref.key == "order_id"
        assert doc.match.via == "order_document" and doc.match.raw == f"B_{order_of(demo, key)}"
        assert doc.match.problem is None


def test_without_the_zk_the_same_documents_are_unmatched(dsn, demo):
    docs = by_id(read_all(dsn, match={"field": "numer_oryginalny", "pattern": B_REF,
                                      "via_order_document": False}))
    doc = docs[demo.showcase["fs"]["doc"]["id"]]
    assert doc.order_ref is None and "numer oryginału is empty" in doc.match.problem


def test_corrections_reach_their_order_through_the_corrected_document(dsn, demo):
    docs = by_id(read_all(dsn, match={"field": "numer_oryginalny", "pattern": B_REF}))
    kfs = docs[demo.showcase["fs_kfs"]["kfs"]["id"]]
    assert kfs.order_ref.value == order_of(demo, "fs_kfs") and kfs.match.via == "corrected_document"
    zw = docs[demo.showcase["pa_zw"]["zw"]["id"]]
    assert zw.order_ref.value == order_of(demo, "pa_zw") and zw.match.via == "corrected_document"


def test_invoice_to_receipt_reaches_the_order_through_the_receipt(dsn, demo):
    docs = by_id(read_all(dsn, match={"field": "numer_oryginalny", "pattern": B_REF}))
    fsd = docs[demo.showcase["pa_fsd"]["fsd"]["id"]]
    assert fsd.order_ref.value == order_of(demo, "pa_fsd") and fsd.match.via == "receipt"


@pytest.mark.parametrize(("field", "pattern", "key"), [
    ("podtytul", B_REF, "podtytul"),
    ("tytul", B_REF, "tytul"),
    ("uwagi", r"BaseLinker nr (?P<ref>\d+)", "uwagi"),
    ("pole_wlasne:Zamówienie BL", B_REF, "pole"),
])
def test_every_field_option(dsn, demo, field, pattern, key):
    docs = by_id(read_all(dsn, match={"field": field, "pattern": pattern}))
    doc = docs[demo.showcase[key]["doc"]["id"]]
    assert doc.order_ref is not None, doc.match.problem
    assert doc.order_ref.value == order_of(demo, key) and doc.match.via == "document"
    assert doc.match.field == field
    # the other showcase documents keep their reference elsewhere: reported, not dropped
    other = docs[demo.showcase["no_ref"]["doc"]["id"]]
    assert other.order_ref is None and other.match.problem


def test_custom_field_name_is_case_insensitive_and_must_exist(dsn, demo):
    docs = by_id(read_all(dsn, match={"field": "pole_wlasne:zamówienie bl", "pattern": B_REF}))
    assert docs[demo.showcase["pole"]["doc"]["id"]].order_ref is not None
    source = make_source(dsn, match={"field": "pole_wlasne:Numer BL"})
    with pytest.raises(ConfigError) as info:
        list(source.read(_window()))
    assert "Numer BL" in str(info.value) and "Zamówienie BL" in str(info.value)
    source.close()


def test_default_pattern_takes_the_whole_value(dsn, demo):
    docs = by_id(read_all(dsn, match={"field": "podtytul", "order_key": "external_order_id"}))
    doc = docs[demo.showcase["podtytul"]["doc"]["id"]]
    assert doc.order_ref.value == f"B_{order_of(demo, 'podtytul')}"
    assert doc.order_ref.key == "external_order_id"


def test_unmatched_documents_say_why(dsn, demo):
    docs = by_id(read_all(dsn, match={"field": "numer_oryginalny", "pattern": B_REF}))
    bad = docs[demo.showcase["bad_ref"]["doc"]["id"]]
    assert bad.order_ref is None
    assert bad.match.problem.startswith('numer oryginału "ALLEGRO-')
    assert "does not match ^B_(?P<ref>\\d+)$" in bad.match.problem
    assert demo.showcase["bad_ref"]["zk"]["number"] in bad.match.problem
    assert bad.match.raw.startswith("ALLEGRO-")
    none = docs[demo.showcase["no_ref"]["doc"]["id"]]
    assert none.order_ref is None
    assert "is empty on" in none.match.problem and "not issued from a ZK" in none.match.problem


def test_every_read_document_is_either_matched_or_explained(dsn):
    for doc in read_all(dsn, match={"field": "numer_oryginalny", "pattern": B_REF}):
        assert (doc.order_ref is None) == (doc.match.problem is not None), doc.number


def test_bad_settings_are_rejected_when_the_scenario_is_validated():
    for match in ({"field": "numer"}, {"pattern": "B_(\\d+)"}, {"pattern": "B_(?P<ref>"},
                  {"order_key": "id"}, {"via_zk": True}):
        with pytest.raises(ValidationError):
            SubiektConfig.model_validate({"dsn": "sqlite:///x.sqlite", "match": match})
    for bad in ({"document_types": ["FV"]}, {"document_types": []}, {"timezone": "Mars/Base"},
                {"encoding": "cp9999"}, {"page_size": 5}):
        with pytest.raises(ValidationError):
            SubiektConfig.model_validate({"dsn": "sqlite:///x.sqlite", **bad})


def _window():
    from .conftest import window

    return window()


# ---------------------------------------------------------------------------------------------- bounded patterns


def test_a_slow_pattern_is_stopped_and_reported_as_a_failed_match() -> None:
    """A value the pattern cannot be matched against in time: no reference, ``failed`` with the reason."""
    import time

    from sellintegro_subiekt_gt.config import MatchConfig
    from sellintegro_subiekt_gt.matching import Matcher
    from sellintegro_subiekt_gt.patterns import MATCH_TIMEOUT

    matcher = Matcher(MatchConfig(field="uwagi", pattern=r"^B_(?P<ref>(\d|\d)+)$", via_order_document=False))
    header = {"dok_Id": 1, "dok_Typ": 2, "dok_NrPelny": "FS 1/2026", "dok_Uwagi": "B_" + "1" * 32 + "X"}
    started = time.monotonic()
    ref, info = matcher.match(header, {}, {})
    assert time.monotonic() - started < 20 * MATCH_TIMEOUT
    assert ref is None and info.failed
    assert "took longer than" in (info.problem or "") and "uwagi of FS 1/2026" in (info.problem or "")
    ok = {**header, "dok_Uwagi": "B_12345"}
    ref, info = matcher.match(ok, {}, {})
    assert ref is not None and ref.value == "12345" and not info.failed


def test_values_longer_than_the_cap_are_not_searched() -> None:
    from sellintegro_subiekt_gt.config import MatchConfig
    from sellintegro_subiekt_gt.matching import Matcher
    from sellintegro_subiekt_gt.patterns import MAX_VALUE_LENGTH

    matcher = Matcher(MatchConfig(field="uwagi", pattern=r"B_(?P<ref>\d+)", via_order_document=False))
    header = {"dok_Id": 1, "dok_Typ": 2, "dok_NrPelny": "FS 1/2026",
              "dok_Uwagi": "x" * MAX_VALUE_LENGTH + " B_12345"}
    ref, info = matcher.match(header, {}, {})
    assert ref is None and info.failed and f"at most {MAX_VALUE_LENGTH}" in (info.problem or "")


def test_a_pattern_that_keeps_timing_out_gets_less_time_and_still_matches_good_values() -> None:
    """Many hostile values in one run: after a few timeouts each value gets a short limit, so the run's total
    time stays bounded; values the pattern does match still match."""
    import time

    from sellintegro_subiekt_gt.config import MatchConfig
    from sellintegro_subiekt_gt.matching import Matcher
    from sellintegro_subiekt_gt.patterns import MATCH_TIMEOUT, SHORT_TIMEOUT, SLOW_PATTERN_TIMEOUTS

    matcher = Matcher(MatchConfig(field="uwagi", pattern=r"^B_(?P<ref>(\d|\d)+)$", via_order_document=False))
    hostile = [{"dok_Id": i, "dok_Typ": 2, "dok_NrPelny": f"FS {i}/2026", "dok_Uwagi": "B_" + "1" * 40 + "X"}
               for i in range(40)]
    started = time.monotonic()
    infos = [matcher.match(h, {}, {})[1] for h in hostile]
    took = time.monotonic() - started
    assert all(info.failed for info in infos)
    assert f"{SHORT_TIMEOUT:g} s" in (infos[-1].problem or "")
    bound = 6 * (SLOW_PATTERN_TIMEOUTS * MATCH_TIMEOUT + (len(hostile) - SLOW_PATTERN_TIMEOUTS) * SHORT_TIMEOUT)
    assert took < bound, f"{took:.1f} s for {len(hostile)} hostile values"
    good = {"dok_Id": 99, "dok_Typ": 2, "dok_NrPelny": "FS 99/2026", "dok_Uwagi": "B_7121118"}
    ref, info = matcher.match(good, {}, {})
    assert ref is not None and ref.value == "7121118" and not info.failed
