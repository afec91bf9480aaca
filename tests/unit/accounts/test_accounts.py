"""Accounts use cases against fakes."""

from __future__ import annotations

import pytest

from application.accounts.change_role import ChangeRole, ChangeRoleCommand
from application.accounts.create_admin import CreateAdmin, CreateAdminCommand
from application.accounts.log_in import LogIn, LogInCommand
from application.accounts.refresh_session import RefreshSession, RefreshSessionCommand
from application.accounts.register_user import RegisterUser, RegisterUserCommand
from application.accounts.request_password_reset import (
    RequestPasswordReset,
    RequestPasswordResetCommand,
)
from application.accounts.reset_password import ResetPassword, ResetPasswordCommand
from application.accounts.send_account_emails import SendPasswordResetEmail
from application.accounts.verify_email import VerifyEmail, VerifyEmailCommand
from application.shared.ports import Principal
from domain.shared.errors import (
    AuthenticationFailed,
    InvalidToken,
    InvalidValue,
    PermissionDenied,
)
from domain.shared.events import Event
from domain.shared.roles import Role
from tests.unit.conftest import World

PASSWORD = "correct horse battery"


def register(world: World, email: str = "ann@example.test", role: str = "student") -> str:
    """The new account's id (the answer itself never names it)."""
    result = world.build(RegisterUser)(RegisterUserCommand(email, PASSWORD, "Ann Lee", role))
    return next(user.id for user in world.db.users.values() if user.email == result.email)


def test_registration_stores_a_hashed_password_and_raises_an_event(world: World) -> None:
    user_id = register(world, "  Ann@Example.TEST ")
    user = world.db.users[user_id]
    assert user.email == "ann@example.test"
    assert user.password_hash == "hashed:" + PASSWORD
    assert user.role == Role.STUDENT and not user.is_email_verified
    assert [m["message"].event_type for m in world.db.outbox.values()] == ["UserRegistered"]
    assert [r.action for r in world.db.audit] == ["user.registered"]


def test_registration_refuses_weak_passwords_and_admin_roles(world: World) -> None:
    register(world)
    with pytest.raises(InvalidValue):
        world.build(RegisterUser)(RegisterUserCommand("b@example.test", "short", "B", "student"))
    with pytest.raises(PermissionDenied):
        world.build(RegisterUser)(
            RegisterUserCommand("c@example.test", PASSWORD, "C", "platform_admin")
        )
    assert len(world.db.users) == 1


def test_signing_up_with_a_taken_address_answers_as_any_sign_up_and_tells_its_owner(
        world: World) -> None:
    ann = register(world)
    sign_up = world.build(RegisterUser)
    new = sign_up(RegisterUserCommand("bob@example.test", PASSWORD, "Bob", "teacher"))
    taken = sign_up(RegisterUserCommand("ANN@example.test", PASSWORD, "Eve", "teacher"))
    assert (type(taken), vars(taken).keys()) == (type(new), vars(new).keys())
    assert (taken.email, taken.role) == ("ann@example.test", "teacher")
    assert len(world.db.users) == 2 and world.db.users[ann].role == "student"
    events = [(row["message"].event_type, row["message"].payload.get("user_id"))
              for row in world.db.outbox.values()]
    assert ("SignUpRepeated", ann) in events
    assert [r.action for r in world.db.audit][-1] == "user.sign_up_repeated"


def test_login_issues_tokens_and_audits(world: World) -> None:
    user_id = register(world)
    session = world.build(LogIn)(LogInCommand("ann@example.test", PASSWORD))
    assert session.user_id == user_id and session.role == "student"
    assert world.access_tokens.read(session.access_token) == Principal(user_id, "student")
    assert world.db.audit[-1].action == "login.succeeded"


def test_login_failures_look_the_same_and_still_spend_a_hash(world: World) -> None:
    register(world)
    with pytest.raises(AuthenticationFailed) as wrong_password:
        world.build(LogIn)(LogInCommand("ann@example.test", "not the password"))
    with pytest.raises(AuthenticationFailed) as unknown_email:
        world.build(LogIn)(LogInCommand("nobody@example.test", PASSWORD))
    assert wrong_password.value.message == unknown_email.value.message
    assert world.hasher.decoy_checks == 1
    assert [r.action for r in world.db.audit][-2:] == ["login.failed", "login.failed"]


def test_refresh_rotates_and_reuse_revokes_the_family(world: World) -> None:
    register(world)
    first = world.build(LogIn)(LogInCommand("ann@example.test", PASSWORD))
    second = world.build(RefreshSession)(RefreshSessionCommand(first.refresh_token))
    assert second.refresh_token != first.refresh_token
    with pytest.raises(AuthenticationFailed):  # the stolen old token comes back
        world.build(RefreshSession)(RefreshSessionCommand(first.refresh_token))
    with pytest.raises(AuthenticationFailed):  # and now the legitimate one is dead too
        world.build(RefreshSession)(RefreshSessionCommand(second.refresh_token))


def test_refresh_tokens_expire(world: World) -> None:
    register(world)
    session = world.build(LogIn)(LogInCommand("ann@example.test", PASSWORD))
    world.clock.advance(days=31)
    with pytest.raises(AuthenticationFailed):
        world.build(RefreshSession)(RefreshSessionCommand(session.refresh_token))


def test_email_verification_tokens_are_single_use_and_expire(world: World) -> None:
    user_id = register(world)
    token = world.one_time_tokens.issue(
        "verify_email", user_id, world.policy.email_verification_ttl
    )
    world.build(VerifyEmail)(VerifyEmailCommand(token))
    assert world.db.users[user_id].is_email_verified
    with pytest.raises(InvalidToken):
        world.build(VerifyEmail)(VerifyEmailCommand(token))
    late = world.one_time_tokens.issue("verify_email", user_id, world.policy.email_verification_ttl)
    world.clock.advance(hours=25)
    with pytest.raises(InvalidToken):
        world.build(VerifyEmail)(VerifyEmailCommand(late))


def test_a_reset_token_cannot_verify_an_email(world: World) -> None:
    user_id = register(world)
    token = world.one_time_tokens.issue("reset_password", user_id, world.policy.password_reset_ttl)
    with pytest.raises(InvalidToken):
        world.build(VerifyEmail)(VerifyEmailCommand(token))


def test_password_reset_changes_the_password_and_ends_sessions(world: World) -> None:
    user_id = register(world)
    session = world.build(LogIn)(LogInCommand("ann@example.test", PASSWORD))
    world.build(RequestPasswordReset)(RequestPasswordResetCommand("ann@example.test"))
    assert "PasswordResetRequested" in [m["message"].event_type for m in world.db.outbox.values()]
    token = world.one_time_tokens.issue("reset_password", user_id, world.policy.password_reset_ttl)
    world.build(ResetPassword)(ResetPasswordCommand(token, "a brand new passphrase"))
    assert world.db.users[user_id].password_hash == "hashed:a brand new passphrase"
    with pytest.raises(AuthenticationFailed):
        world.build(RefreshSession)(RefreshSessionCommand(session.refresh_token))
    with pytest.raises(InvalidToken):
        world.build(ResetPassword)(ResetPasswordCommand(token, "yet another passphrase"))


def test_a_reset_looks_the_same_for_any_address_and_is_silent_for_an_unknown_one(
        world: World) -> None:
    register(world)
    ask = world.build(RequestPasswordReset)
    for email in ("Ann@Example.test", "ghost@example.test", "not an email"):
        ask(RequestPasswordResetCommand(email))
    # The same work for a known and an unknown address; who it is waits for after the answer.
    asked = [row["message"] for row in world.db.outbox.values()
             if row["message"].event_type == "PasswordResetRequested"]
    assert [m.payload for m in asked] == [{"email": "ann@example.test"},
                                          {"email": "ghost@example.test"}]
    assert [r.action for r in world.db.audit][-2:] == ["password_reset.requested"] * 2
    notify = world.build(SendPasswordResetEmail)
    for message in asked:
        notify(Event.restore(message.event_type, message.payload), message.id)
    assert [(n.user_id, n.kind) for n in world.db.notifications.values()] == [(
        next(iter(world.db.users)), "password_reset")]


def test_only_platform_admins_change_roles_and_it_is_audited(world: World) -> None:
    admin = world.build(CreateAdmin)(CreateAdminCommand("root@example.test", PASSWORD, "Root"))
    user_id = register(world)
    with pytest.raises(PermissionDenied):
        world.build(ChangeRole)(
            ChangeRoleCommand(Principal(user_id, "student"), user_id, "teacher")
        )
    world.build(ChangeRole)(
        ChangeRoleCommand(Principal(admin.user_id, "platform_admin"), user_id, "teacher")
    )
    assert world.db.users[user_id].role == Role.TEACHER
    changed = [r for r in world.db.audit if r.action == "user.role_changed"]
    assert changed[0].details == {"old_role": "student", "new_role": "teacher"}
    with pytest.raises(PermissionDenied):
        world.build(ChangeRole)(
            ChangeRoleCommand(Principal(admin.user_id, "platform_admin"), admin.user_id, "student")
        )
