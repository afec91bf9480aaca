"""The institution aggregate: what its details accept, what a change records, and a
deactivation that happens once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.institutions.events import (
    InstitutionCreated,
    InstitutionDeactivated,
    InstitutionUpdated,
)
from domain.institutions.model import Institution, InstitutionDetails
from domain.shared.errors import InvalidState, InvalidValue

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def details(**changes: object) -> InstitutionDetails:
    fields = {"name": "  Cairo   University ", "primary_email": " Billing@CU.example.EDU",
              "domain": "CU.Example.edu.", "plan": "pro", "storage_quota_bytes": 10}
    return InstitutionDetails(**{**fields, **changes})  # type: ignore[arg-type]


def test_details_are_tidied() -> None:
    d = details()
    assert (d.name, d.primary_email, d.domain) == ("Cairo University",
                                                   "billing@cu.example.edu", "cu.example.edu")


@pytest.mark.parametrize("changes", [
    {"name": " "}, {"name": "x" * 201}, {"primary_email": "nobody"},
    {"primary_email": "a b@c.example"}, {"domain": "localhost"}, {"domain": "a..example.edu"},
    {"domain": "-a.example.edu"}, {"plan": "Pro"}, {"plan": ""}, {"storage_quota_bytes": -1},
    {"storage_quota_bytes": 10**15 + 1}])
def test_bad_details_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidValue):
        details(**changes)


def test_a_change_records_old_and_new_values_and_a_change_to_nothing_records_none() -> None:
    institution = Institution.create("i1", details(), "admin", "whsec_x", NOW)
    assert [type(e) for e in institution.events] == [InstitutionCreated]
    institution.change(details(), "admin", NOW)
    assert len(institution.events) == 1
    institution.change(details(plan="enterprise", storage_quota_bytes=20), "admin", NOW)
    [_, updated] = institution.events
    assert isinstance(updated, InstitutionUpdated)
    assert updated.changed == {"plan": ["pro", "enterprise"], "storage_quota_bytes": [10, 20]}
    assert (institution.plan, institution.version) == ("enterprise", 2)


def test_deactivating_happens_once_and_ends_changes() -> None:
    institution = Institution.create("i1", details(), None, "whsec_x", NOW)
    institution.deactivate("admin", NOW)
    institution.deactivate("admin", NOW)
    assert [type(e) for e in institution.events].count(InstitutionDeactivated) == 1
    assert not institution.is_active and institution.deactivated_at == NOW
    with pytest.raises(InvalidState):
        institution.change(details(plan="basic"), "admin", NOW)


def test_the_first_billing_customer_is_kept() -> None:
    institution = Institution.create("i1", details(), None, "whsec_x", NOW)
    assert institution.link_billing_customer("cus_1")
    assert not institution.link_billing_customer("cus_2")
    assert institution.billing_customer_id == "cus_1"


def test_a_report_made_earlier_than_the_last_applied_changes_nothing() -> None:
    from datetime import timedelta

    from domain.institutions.model import SyncMetric

    institution = Institution.create("i1", details(), None, "whsec_x", NOW)
    later = NOW + timedelta(minutes=1)
    change = institution.report(SyncMetric.STUDENTS, 15_000, later)
    assert change is not None and (change.old, change.new) == (0, 15_000)
    assert institution.report(SyncMetric.STUDENTS, 9_000, NOW) is None
    assert institution.report(SyncMetric.STUDENTS, 9_000, later) is None  # the same moment
    assert institution.students == 15_000
    assert institution.report(SyncMetric.STORAGE, 7, NOW) is not None  # each metric its own
    assert institution.storage_bytes == 7
    with pytest.raises(InvalidValue):
        institution.report(SyncMetric.FACULTY, -1, later)
