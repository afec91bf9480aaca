"""Personal data's records through the fake unit of work and the SQL one on SQLite and
PostgreSQL, the same checks: exports read back as stored, one pending found, documents kept
once built and purged once expired, nothing kept without a commit; and every section,
faked or real, exports JSON and erases idempotently, even a person it has never seen."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest

from adapters.outbound.persistence.privacy.exports import SqlDataExports
from adapters.outbound.persistence.privacy.sections import SECTIONS, SqlPrivacyUnitOfWork
from application.accounts.personal_data import DataExports, PrivacyUnitOfWork
from application.shared.privacy import Person, PersonalData
from domain.accounts.personal_data import DataExport, ExportStatus
from tests.contracts import Contract
from tests.integration.area_records import T0, AreaRecords, records_for
from tests.unit.privacy.fakes import FakeDataExports, FakePrivacyUnitOfWork

POSTGRES = pytest.mark.postgres
UNIT_OF_WORK = Contract(PrivacyUnitOfWork, {"fake": FakePrivacyUnitOfWork,
                                            "sqlite": SqlPrivacyUnitOfWork,
                                            "postgres": SqlPrivacyUnitOfWork},
                        marks={"postgres": POSTGRES})
EXPORTS = Contract(DataExports, {"fake": FakeDataExports, "sqlite": SqlDataExports,
                                 "postgres": SqlDataExports}, marks={"postgres": POSTGRES})
SECTION_CLASSES = {"fake": FakePrivacyUnitOfWork.sections, "sqlite": SECTIONS,
                   "postgres": SECTIONS}
SECTIONS_CONTRACT = Contract(PersonalData, {
    f"{param}:{section.name}": section  # type: ignore[attr-defined]
    for param, sections in SECTION_CLASSES.items() for section in sections},
    marks={f"postgres:{s.name}": POSTGRES for s in SECTIONS})  # type: ignore[attr-defined]


class Privacy(AreaRecords):
    unit_of_work = UNIT_OF_WORK

    def exports(self, uow: Any) -> Any:
        return self.repository(uow, EXPORTS)


@pytest.fixture(params=UNIT_OF_WORK.params())
def privacy(request: pytest.FixtureRequest) -> Privacy:
    return records_for(request, Privacy, FakePrivacyUnitOfWork, SqlPrivacyUnitOfWork)


def asked(user_id: str, minutes: float) -> DataExport:
    return DataExport(str(uuid.uuid4()), user_id, T0 + timedelta(minutes=minutes))


def test_exports_read_back_and_the_latest_pending_is_found(privacy: Privacy) -> None:
    ann, bob = privacy.user("Ann"), privacy.user("Bob")
    first, second, other = asked(ann, 0), asked(ann, 5), asked(bob, 1)
    with privacy() as uow:
        for export in (first, second, other):
            privacy.exports(uow).add(export)
        uow.commit()
    built = second.ready(T0 + timedelta(minutes=6), T0 + timedelta(days=7))
    with privacy() as uow:
        exports = privacy.exports(uow)
        assert exports.pending_of(ann) == second
        exports.complete(built, '{"format": "x"}')
        assert exports.pending_of(ann) == first  # its own write, seen at once
        uow.commit()
    with privacy() as uow:
        exports = privacy.exports(uow)
        assert exports.get(second.id) == built and exports.get(first.id) == first
        assert exports.document(second.id) == '{"format": "x"}'
        assert exports.document(first.id) is None and exports.get("nobody's") is None
        assert exports.pending_of(bob) == other and exports.pending_of("nobody") is None
        assert built.status is ExportStatus.READY


def test_expired_exports_are_purged_within_the_limit(privacy: Privacy) -> None:
    ann = privacy.user("Ann")
    exports = [asked(ann, n).ready(T0 + timedelta(minutes=n), T0 + timedelta(days=n))
               for n in (3, 1, 2)]
    pending = asked(ann, 9)
    with privacy() as uow:
        for export in (*exports, pending):
            privacy.exports(uow).add(export)
            if export.status is ExportStatus.READY:
                privacy.exports(uow).complete(export, "{}")
        uow.commit()
    with privacy() as uow:
        assert privacy.exports(uow).purge_expired(T0 + timedelta(days=5), 2) == 2
        uow.commit()
    with privacy() as uow:
        left = [e.id for e in exports if privacy.exports(uow).get(e.id) is not None]
        assert left == [exports[0].id]  # the oldest to expire went first
        assert privacy.exports(uow).get(pending.id) == pending  # never expires unbuilt
        assert privacy.exports(uow).purge_expired(T0 + timedelta(days=5), 10) == 1
        assert privacy.exports(uow).purge_expired(T0 + timedelta(days=5), 10) == 0


def test_nothing_is_kept_without_a_commit(privacy: Privacy) -> None:
    ann = privacy.user("Ann")
    export = asked(ann, 0)
    with privacy() as uow:
        privacy.exports(uow).add(export)
    with privacy() as uow:
        assert privacy.exports(uow).get(export.id) is None


@pytest.mark.parametrize("name", SECTIONS_CONTRACT.params())
def test_every_section_exports_json_and_erases_a_stranger_idempotently(
        request: pytest.FixtureRequest, name: str) -> None:
    param, section_name = name.split(":")
    records = records_for(request, Privacy, FakePrivacyUnitOfWork, SqlPrivacyUnitOfWork,
                          param=param)
    stranger = Person(str(uuid.uuid4()), "nobody@example.test", "No Body",
                      "erased@erased.invalid", "Erased user")
    for _ in range(2):
        with records() as uow:
            section = SECTIONS_CONTRACT.build(name, lambda: next(
                s for s in uow.personal_data if s.name == section_name))
            assert section.tables and all(isinstance(t, str) for t in section.tables)
            exported = section.export(stranger)
            assert json.loads(json.dumps(exported)) == exported
            assert list(section.erase(stranger, T0)) == []
            uow.commit()
