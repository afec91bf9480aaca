"""Storage use and a month's lines: who belongs to an institution by address, what counts
against its quota, a warning raised once per crossing, and the live minutes billed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.institutions.events import StorageQuotaExceeded
from domain.institutions.invoices import InvoicePrices, LineKind, period_lines, period_span
from domain.institutions.members import by_institution, institution_of
from domain.institutions.model import Institution, InstitutionDetails

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
DOMAINS = {"uni.example.edu": "uni", "med.uni.example.edu": "med", "other.example.org": "o"}


def test_an_address_belongs_to_the_most_specific_institution_above_it() -> None:
    assert institution_of("uni.example.edu", DOMAINS) == "uni"
    assert institution_of("cs.UNI.example.edu", DOMAINS) == "uni"
    assert institution_of("lab.med.uni.example.edu", DOMAINS) == "med"
    assert institution_of("uni.example.edu.evil.test", DOMAINS) is None
    assert institution_of("xuni.example.edu", DOMAINS) is None
    assert institution_of("edu", {"edu": "tld"}) is None  # never a top-level domain alone


def test_amounts_by_email_domain_are_summed_by_institution() -> None:
    amounts = {"uni.example.edu": 5, "cs.uni.example.edu": 7, "med.uni.example.edu": 11,
               "gmail.example": 13}
    assert by_institution(amounts, DOMAINS) == {"uni": 12, "med": 11}


def institution(quota: int, reported: int = 0) -> Institution:
    found = Institution.create("uni", InstitutionDetails(
        "Uni", "it@uni.example.edu", "uni.example.edu", "basic", quota), None, "whsec_x", NOW)
    found.storage_bytes = reported
    found.events.clear()
    return found


def test_a_crossing_warns_once_until_use_falls_below_again() -> None:
    uni = institution(quota=1_000, reported=100)
    assert uni.measure_storage(700, 90, NOW) is None  # 80 %
    assert uni.measure_storage(800, 90, NOW + timedelta(days=1)) == 90  # with the reported 100
    assert uni.events == [StorageQuotaExceeded("uni", 90, 900, 1_000)]
    assert uni.measure_storage(2_000, 90, NOW + timedelta(days=2)) is None  # still above
    assert uni.measure_storage(100, 90, NOW + timedelta(days=3)) is None  # below: re-armed
    assert uni.measure_storage(1_000, 90, NOW + timedelta(days=4)) == 110
    assert len(uni.events) == 2
    assert (uni.stored_bytes, uni.stored_at) == (1_000, NOW + timedelta(days=4))


def test_no_quota_warns_of_nothing() -> None:
    uni = institution(quota=0)
    assert uni.measure_storage(10**12, 90, NOW) is None and uni.events == []


def test_storage_above_the_quota_is_billed_from_both_sources() -> None:
    uni = institution(quota=10**9, reported=10**9)
    uni.measure_storage(1, 90, NOW)
    [line] = period_lines(uni, InvoicePrices("USD", 0, 200), "2026-11")
    assert (line.kind, line.quantity, line.amount) == (LineKind.STORAGE, 1, 200)


def test_a_month_spans_its_time_zone_s_midnights() -> None:
    assert period_span("2026-12", ZoneInfo("Africa/Cairo")) == (
        datetime(2026, 11, 30, 22, 0, tzinfo=UTC), datetime(2026, 12, 31, 22, 0, tzinfo=UTC))
    assert period_span("2026-11", UTC) == (datetime(2026, 11, 1, tzinfo=UTC),
                                           datetime(2026, 12, 1, tzinfo=UTC))


def test_live_minutes_are_a_line_of_their_own() -> None:
    uni = institution(quota=10**9)
    [line] = period_lines(uni, InvoicePrices("USD", 0, 0, 7), "2026-11", live_minutes=56)
    assert (line.kind, line.quantity, line.amount) == (LineKind.LIVE_MINUTES, 56, 392)
