"""A person's copy of their data and its erasure, over fakes: the export walks every section
and is its owner's alone until it expires; the erasure needs the owner's password (or a
platform admin), walks every section once, leaves the vendors' forgetting to after the
commit, and can run again; an erased account's tokens and links are all dead."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from application.accounts.authenticate import Authenticate
from application.accounts.erase_person import ErasePerson, ErasePersonCommand
from application.accounts.export_personal_data import (
    BuildDataExport,
    ExportPersonalData,
    ExportPersonalDataCommand,
)
from application.accounts.get_data_export import GetDataExport, GetDataExportQuery
from application.accounts.personal_data import DOCUMENT_FORMAT, person_of
from application.accounts.purge_data_exports import PurgeDataExports
from application.accounts.tell_export_ready import TellExportReady
from application.identity.forget_verifier_session import ForgetVerifierSession
from application.shared.ports import Principal
from application.shared.privacy import Person
from domain.accounts.model import ERASED_NAME, User, erased_email
from domain.accounts.throttle import TooManyAttempts, attempts_key
from domain.identity.erasure import VerifierSessionErased
from domain.shared.errors import AuthenticationFailed, NotFound, PermissionDenied
from domain.shared.events import Event
from domain.shared.roles import Role
from tests.unit.conftest import World
from tests.unit.identity.fakes import FakeIdentityVerifier
from tests.unit.privacy.fakes import FakePrivacyUnitOfWork, exports_of, notes_of

SARA = Principal("student-1", Role.STUDENT)
BOB = Principal("student-2", Role.STUDENT)
ROOT = Principal("admin-1", Role.PLATFORM_ADMIN)
PASSWORD = "correct horse battery"


@pytest.fixture
def world() -> World:
    world = World()
    for who, name in ((SARA, "Sara Quinlan"), (BOB, "Bob Lee"), (ROOT, "Root Admin")):
        world.db.users[who.user_id] = User(who.user_id, f"{who.user_id}@example.test", name,
                                           Role(who.role), "hashed:" + PASSWORD,
                                           world.clock.now())
    notes_of(world.db)[SARA.user_id] = ["Sara Quinlan likes algebra", "session:s-1"]
    notes_of(world.db)[BOB.user_id] = ["Bob's note"]
    return world


def build(world: World, cls: type[Any], **given: Any) -> Any:
    uow = FakePrivacyUnitOfWork(world.db, world.clock, world.ids, world.queue)
    return world.build(cls, uow=uow, **given)


def events(world: World, name: str) -> list[Event]:
    return [Event.restore(row["message"].event_type, row["message"].payload)
            for row in world.db.outbox.values() if row["message"].event_type == name]


def exported(world: World) -> str:
    """Sara asks for her export, and the outbox's handler builds it; its id."""
    view = build(world, ExportPersonalData)(ExportPersonalDataCommand(SARA))
    [requested] = events(world, "DataExportRequested")
    build(world, BuildDataExport)(requested, "outbox:1:build_data_export")
    return str(view.id)


def test_an_export_holds_every_section_and_only_its_owner_downloads_it(world: World) -> None:
    ask = build(world, ExportPersonalData)
    first = ask(ExportPersonalDataCommand(SARA))
    assert first.status == "pending" and first.expires_at is None
    assert ask(ExportPersonalDataCommand(SARA)).id == first.id  # one at a time
    [requested] = events(world, "DataExportRequested")
    build(world, BuildDataExport)(requested, "outbox:1:build_data_export")
    build(world, BuildDataExport)(requested, "outbox:1:build_data_export")  # a retry
    [ready] = events(world, "DataExportReady")
    got = build(world, GetDataExport)(GetDataExportQuery(SARA, first.id))
    assert got.export.status == "ready"
    assert got.export.expires_at == world.clock.now() + timedelta(days=7)
    document = json.loads(got.document)
    assert (document["format"], document["user_id"]) == (DOCUMENT_FORMAT, SARA.user_id)
    assert document["sections"]["account"]["profile"]["full_name"] == "Sara Quinlan"
    assert document["sections"]["notes"]["notes"] == ["Sara Quinlan likes algebra",
                                                      "session:s-1"]
    with pytest.raises(NotFound):  # someone else's is unknown to Bob
        build(world, GetDataExport)(GetDataExportQuery(BOB, first.id))
    assert [r.action for r in world.db.audit] == [
        "personal_data.export_requested", "personal_data.exported", "personal_data.downloaded"]
    build(world, TellExportReady)(ready, "outbox:2:tell_export_ready")
    [mail] = world.mailer.sent.values()
    assert mail.to == "student-1@example.test" and mail.subject == "Your eduport data is ready"
    assert f"account/data-export/{first.id}" in mail.text


def test_an_expired_export_is_gone_and_purged(world: World) -> None:
    export_id = exported(world)
    world.clock.advance(days=7)
    with pytest.raises(NotFound, match="expired"):
        build(world, GetDataExport)(GetDataExportQuery(SARA, export_id))
    assert build(world, PurgeDataExports)() == 1
    assert exports_of(world.db) == {}
    with pytest.raises(NotFound, match="no such"):
        build(world, GetDataExport)(GetDataExportQuery(SARA, export_id))


def test_a_wrong_password_erases_nothing_and_counts_as_a_failed_sign_in(world: World) -> None:
    erase = build(world, ErasePerson)
    for _ in range(6):  # five are free, the sixth makes the next one wait
        with pytest.raises(PermissionDenied, match="password is wrong"):
            erase(ErasePersonCommand(SARA, SARA.user_id, "not it"))
    with pytest.raises(TooManyAttempts):  # as slow to guess here as at the sign-in
        erase(ErasePersonCommand(SARA, SARA.user_id, "not it"))
    assert world.db.login_attempts[attempts_key("student-1@example.test")].failures == 6
    sara = world.db.users[SARA.user_id]
    assert not sara.is_erased and sara.full_name == "Sara Quinlan"
    assert notes_of(world.db)[SARA.user_id][0] == "Sara Quinlan likes algebra"
    assert events(world, "VerifierSessionErased") == []


def test_erasure_anonymises_the_account_and_leaves_the_forgetting_to_after_commit(
        world: World) -> None:
    exported(world)
    done = build(world, ErasePerson)(ErasePersonCommand(SARA, SARA.user_id, PASSWORD))
    assert (done.user_id, done.again) == (SARA.user_id, False)
    sara = world.db.users[SARA.user_id]
    assert (sara.email, sara.full_name) == (erased_email(SARA.user_id), ERASED_NAME)
    assert sara.erased_at == world.clock.now() and not sara.is_email_verified
    assert notes_of(world.db)[SARA.user_id] == ["Erased user likes algebra"]
    assert notes_of(world.db)[BOB.user_id] == ["Bob's note"]
    assert exports_of(world.db) == {}  # a copy of her data is her data
    [forget] = events(world, "VerifierSessionErased")
    assert forget == VerifierSessionErased(provider="manual", session_id="s-1")
    assert world.db.audit[-1].action == "personal_data.erased"
    verifier = FakeIdentityVerifier("manual")
    verifier.sessions["s-1"] = object()  # type: ignore[assignment]
    ForgetVerifierSession(verifier)(forget, "outbox:9:forget_verifier_session")
    ForgetVerifierSession(verifier)(forget, "outbox:9:forget_verifier_session")  # a retry
    assert verifier.forgotten == ["s-1"]


def test_an_erased_accounts_tokens_and_links_are_dead(world: World) -> None:
    token = world.access_tokens.issue(SARA.user_id, SARA.role).token
    assert world.build(Authenticate)(token).user_id == SARA.user_id
    build(world, ErasePerson)(ErasePersonCommand(SARA, SARA.user_id, PASSWORD))
    with pytest.raises(AuthenticationFailed):  # issued this very second, and still dead
        world.build(Authenticate)(token)
    sara = world.db.users[SARA.user_id]
    assert sara.predates_password(world.clock.now() + timedelta(days=1))
    assert sara.password_hash == "!erased" and not world.hasher.verify(sara.password_hash, "")


def test_only_platform_admins_erase_others_and_erasing_again_sweeps(world: World) -> None:
    with pytest.raises(PermissionDenied):
        build(world, ErasePerson)(ErasePersonCommand(BOB, SARA.user_id))
    with pytest.raises(PermissionDenied, match="needs your password"):
        build(world, ErasePerson)(ErasePersonCommand(ROOT, ROOT.user_id))
    with pytest.raises(NotFound):
        build(world, ErasePerson)(ErasePersonCommand(ROOT, "nobody"))
    first = build(world, ErasePerson)(ErasePersonCommand(ROOT, SARA.user_id))
    notes_of(world.db)[SARA.user_id].append("session:s-2")  # arrived after the erasure
    world.clock.advance(minutes=5)
    again = build(world, ErasePerson)(ErasePersonCommand(ROOT, SARA.user_id))
    assert again.again and again.erased_at == first.erased_at
    assert [e.session_id for e in events(world, "VerifierSessionErased")] == ["s-1", "s-2"]
    assert world.db.users[SARA.user_id].full_name == ERASED_NAME
    assert [(r.actor_id, r.action, r.details) for r in world.db.audit] == [
        (ROOT.user_id, "personal_data.erased", {"again": False}),
        (ROOT.user_id, "personal_data.erased", {"again": True})]


def test_an_erased_person_gets_no_export_and_no_mail(world: World) -> None:
    build(world, ExportPersonalData)(ExportPersonalDataCommand(SARA))
    [requested] = events(world, "DataExportRequested")
    build(world, ErasePerson)(ErasePersonCommand(ROOT, SARA.user_id))
    build(world, BuildDataExport)(requested, "outbox:1:build_data_export")
    assert events(world, "DataExportReady") == [] and world.mailer.sent == {}


def test_a_person_is_scrubbed_from_text_and_json_by_address_and_whole_name() -> None:
    sara = person_of(User("u-1", "sara.q@example.test", "Sara Q", Role.STUDENT, "h",
                          World().clock.now()))
    assert sara == Person("u-1", "sara.q@example.test", "Sara Q",
                          "erased-u-1@erased.invalid", "Erased user")
    assert sara.scrubbed({"to": ["SARA.Q@Example.test"], "n": 3, "text": "Hi sara q, Sara Qs"}) \
        == {"to": ["erased-u-1@erased.invalid"], "n": 3, "text": "Hi Erased user, Sara Qs"}
    shy = Person("u-2", "", "", "erased-u-2@erased.invalid", "Erased user")
    assert shy.scrubbed("nothing to see") == "nothing to see"
