"""Steps of accounts.feature: signing up, confirming the email, sessions, resets, roles."""

from __future__ import annotations

from pytest_bdd import given, parsers, scenarios, then, when

from features.steps.conftest import (
    BAD_LINK,
    CONFIRM_SUBJECT,
    NAME,
    NOT_SIGNED_IN,
    NOT_VALID,
    RESET_SUBJECT,
    ROLE,
    ROLES,
    WELCOME_SUBJECT,
    Platform,
)

scenarios("../accounts.feature")

NOBODY = "nobody@example.test"
OTHER = r"(?P<other>[A-Z]\w*)"


# --- signing up -------------------------------------------------------------------------------


@when(parsers.re(f"{NAME} signs up as an? {ROLE} with the email address of {OTHER}"))
def signs_up_with_a_taken_address(platform: Platform, name: str, role: str, other: str) -> None:
    platform.sign_up(name, role, email=platform.person(other).email.upper())


@then(parsers.re(f"{NAME} (?:still )?has an? {ROLE} account"))
def has_an_account(platform: Platform, name: str, role: str) -> None:
    profile = platform.profile(name, fresh=True)
    assert profile["role"] == ROLES[role], profile
    assert profile["full_name"] == name and profile["email"] == platform.person(name).email


@then(parsers.re(f"{NAME} receives a welcome email for an? {ROLE} account"))
def welcome_email(platform: Platform, name: str, role: str) -> None:
    text = platform.mail_text(name, WELCOME_SUBJECT)
    assert f"Hello {name}," in text and f"your {ROLES[role]} account is ready" in text, text


@then(parsers.re(f"{NAME} receives an email asking to confirm the email address"))
def confirmation_email(platform: Platform, name: str) -> None:
    assert "confirm your email address" in platform.mail_text(name, CONFIRM_SUBJECT)
    assert platform.token_mailed_to(name, CONFIRM_SUBJECT)


@then(parsers.re(f"{NAME} is told that the sign-up details are not valid"))
def sign_up_not_valid(platform: Platform, name: str) -> None:
    assert "role" in platform.problem(NOT_VALID)["errors"]


@then(parsers.re(f"{NAME} cannot sign in"))
def cannot_sign_in(platform: Platform, name: str) -> None:
    platform.expect(NOT_SIGNED_IN, platform.sign_in(name))


@then(parsers.re(f"{NAME} receives no email"))
def no_email(platform: Platform, name: str) -> None:
    assert platform.mails_to(name) == []


@then(parsers.re(f"{NAME} gets the answer anyone signing up gets"))
def answered_as_anyone(platform: Platform, name: str) -> None:
    body = platform.expect(202)
    assert set(body) == {"email", "role"}, body  # nothing says the address was taken


@then(parsers.re(f"{NAME} is told by email that someone tried to sign up with (?:his|her|their) "
                 "address"))
def told_of_the_attempt(platform: Platform, name: str) -> None:
    assert len(platform.mails_to(name, "Someone tried to sign up with your address")) == 1


# --- confirming the email address -------------------------------------------------------------


@given(parsers.re(f"{NAME} has followed the link in the confirmation email"))
@when(parsers.re(f"{NAME} follows the link in the confirmation email(?: again)?"))
def follows_confirmation_link(platform: Platform, name: str) -> None:
    token = platform.token_mailed_to(name, CONFIRM_SUBJECT)
    platform.call("POST", "/auth/verify-email", json={"token": token})


@then(parsers.re(f"the email address of {NAME} is (?P<state>confirmed|not confirmed yet)"))
def email_confirmation_state(platform: Platform, name: str, state: str) -> None:
    assert platform.profile(name)["email_verified"] is (state == "confirmed")


@then(parsers.re(f"{NAME} is told that the link is no longer valid"))
def link_no_longer_valid(platform: Platform, name: str) -> None:
    assert "already used" in platform.problem(BAD_LINK)["detail"]


# --- signing in -------------------------------------------------------------------------------


@when(parsers.re(f"{NAME} signs in"))
def signs_in(platform: Platform, name: str) -> None:
    platform.sign_in(name)


@when(parsers.re(f"{NAME} signs in with a wrong password"))
def signs_in_with_a_wrong_password(platform: Platform, name: str) -> None:
    platform.sign_in(name, password="not the right password")


@when("someone signs in with an email address nobody signed up with")
def signs_in_as_nobody(platform: Platform) -> None:
    platform.sign_in("someone", email=NOBODY)


@then(parsers.re(f"{NAME} is (?:still )?signed in as an? {ROLE}"))
def signed_in_as(platform: Platform, name: str, role: str) -> None:
    assert platform.expect(200)["role"] == ROLES[role]
    assert platform.profile(name)["user_id"] == platform.person(name).user_id


@then("both are refused")
def both_refused(platform: Platform) -> None:
    for answer in platform.answers[-2:]:
        platform.expect(NOT_SIGNED_IN, answer)


@then("nothing in the two refusals tells them apart")
def refusals_alike(platform: Platform) -> None:
    first, second = (answer.get_json() for answer in platform.answers[-2:])
    for key in ("type", "title", "status", "detail"):
        assert first[key] == second[key], (first, second)
    first_header, second_header = (a.headers["WWW-Authenticate"] for a in platform.answers[-2:])
    assert first_header == second_header


# --- sessions ---------------------------------------------------------------------------------


@given(parsers.re(f"{NAME} has renewed the session"))
@when(parsers.re(f"{NAME} renews the session"))
def renews(platform: Platform, name: str) -> None:
    platform.renew(name)


@then(parsers.re(f"{NAME} was given a new renewal key"))
def new_renewal_key(platform: Platform, name: str) -> None:
    session = platform.person(name).session
    assert session.used_refresh_tokens and session.refresh_token
    assert session.refresh_token not in session.used_refresh_tokens


@when(parsers.re(f"someone renews the session with the renewal key {NAME} already used"))
def replays_a_used_key(platform: Platform, name: str) -> None:
    used = platform.person(name).session.used_refresh_tokens[-1]
    platform.renew(name, refresh_token=used)


@then("that attempt is refused")
def attempt_refused(platform: Platform) -> None:
    assert "already used" in platform.problem(NOT_SIGNED_IN)["detail"]


@then(parsers.re(f"{NAME} can no longer renew the session"))
def cannot_renew(platform: Platform, name: str) -> None:
    platform.expect(NOT_SIGNED_IN, platform.renew(name))


@then(parsers.re(f"{NAME} can sign in again"))
def can_sign_in_again(platform: Platform, name: str) -> None:
    platform.expect(200, platform.sign_in(name))
    platform.expect(200, platform.renew(name))


@then(parsers.re(f"the session {NAME} opened (?:before|as an? {ROLE}) can no longer be renewed"))
def old_session_ended(platform: Platform, name: str, role: str | None) -> None:
    sessions = platform.person(name).sessions
    if role is not None:
        sessions = [s for s in sessions if s.role == ROLES[role]]
    assert sessions, f"{name} never opened such a session"
    platform.expect(NOT_SIGNED_IN, platform.renew(name, refresh_token=sessions[0].refresh_token))


# --- password reset ---------------------------------------------------------------------------


@when(parsers.re(f"{NAME} asks for a password reset"))
def asks_for_a_reset(platform: Platform, name: str) -> None:
    platform.call("POST", "/auth/password-reset", json={"email": platform.person(name).email})


@when("someone asks for a password reset for an email address nobody signed up with")
def asks_for_a_reset_for_nobody(platform: Platform) -> None:
    platform.call("POST", "/auth/password-reset", json={"email": NOBODY})


@when(parsers.re(f'{NAME} chooses the new password "(?P<password>[^"]+)" '
                 "from the link in the reset email"))
def chooses_a_new_password(platform: Platform, name: str, password: str) -> None:
    token = platform.token_mailed_to(name, RESET_SUBJECT)
    platform.expect(204, platform.call("POST", "/auth/password-reset/confirm", json={
        "token": token, "new_password": password}))
    person = platform.person(name)
    person.old_passwords.append(person.password)
    person.password = password


@then(parsers.re(f"{NAME} can sign in with the new password"))
def signs_in_with_the_new_password(platform: Platform, name: str) -> None:
    platform.expect(200, platform.sign_in(name))


@then(parsers.re(f"{NAME} cannot sign in with the old password"))
def old_password_refused(platform: Platform, name: str) -> None:
    old = platform.person(name).old_passwords[-1]
    platform.expect(NOT_SIGNED_IN, platform.sign_in(name, password=old))


@then("both get the same answer")
def same_answer(platform: Platform) -> None:
    first, second = platform.answers[-2:]
    assert first.status_code == second.status_code == 202
    assert first.get_json() == second.get_json()


@then(parsers.re(f"a reset email is sent to {NAME} only"))
def reset_email_to_one(platform: Platform, name: str) -> None:
    resets = [m["To"] for m in platform.mails(RESET_SUBJECT)]
    assert resets == [platform.person(name).email]


# --- roles and the audit log ------------------------------------------------------------------


@when(parsers.re(f"{NAME} opens the audit log"))
def opens_the_audit_log(platform: Platform, name: str) -> None:
    platform.call("GET", "/admin/audit", name)


@when(parsers.re(f"{OTHER} (?P<attempt>makes|tries to make) {NAME} an? {ROLE}"))
def changes_a_role(platform: Platform, other: str, attempt: str, name: str, role: str) -> None:
    user_id = platform.person(name).user_id
    platform.call("PUT", f"/admin/users/{user_id}/role", other, json={"role": ROLES[role]})
    if attempt == "makes":
        assert platform.expect(200) == {"user_id": user_id, "role": ROLES[role]}


@then(parsers.re(f"the audit log shows that {OTHER} changed the role of {NAME} "
                 "from (?P<old>[a-z ]+) to (?P<new>[a-z ]+)"))
def role_change_audited(platform: Platform, other: str, name: str, old: str, new: str) -> None:
    changes = [record for record in platform.audit_log(other)
               if record["action"] == "user.role_changed"]
    assert len(changes) == 1, changes
    change = changes[0]
    assert change["actor_id"] == platform.person(other).user_id
    assert change["object_id"] == platform.person(name).user_id
    assert change["details"] == {"old_role": ROLES[old], "new_role": ROLES[new]}
