"""What a request causes but its answer does not depend on (an email) happens after the
answer, on the embedded default's inline jobs too: a password reset for a known address is
answered while its email is still held at the mail service, so the answer's timing cannot
tell which addresses have accounts (issue 9). eduport runs on a real server here, since
only a server sends the answer before closing the request."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import make_settings
from tests.driver import PASSWORD
from tests.vendor_servers.base import LocalServer
from tests.vendor_servers.mailgun_server import FakeMailgun

KEY, DOMAIN = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0", "mg.eduport.test"
RESET = "Reset your password"


@pytest.fixture
def mailgun() -> Iterator[FakeMailgun]:
    with FakeMailgun(api_key=KEY, domains=(DOMAIN,)) as fake:
        yield fake


@pytest.fixture
def eduport(tmp_path: Path, database_url: str, mailgun: FakeMailgun) -> Iterator[str]:
    from bootstrap import build_injector, create_app

    # A mail call waits longer than a held request is held: sent before the answer, the
    # email would be delivered by the time the answer came.
    settings = make_settings(tmp_path, database_url, MAIL_MAILER="mailgun",
                             MAILGUN_DOMAIN=DOMAIN, MAILGUN_SECRET=KEY,
                             MAILGUN_ENDPOINT=mailgun.url, MAIL_TIMEOUT_SECONDS="60")
    with LocalServer(create_app(build_injector(settings), settings)) as server:
        yield server.url


def subjects(mailgun: FakeMailgun, to: str) -> list[str | None]:
    return [m.first("subject") for m in mailgun.messages if m.first("to") == to]


def eventually(check: object, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)
    assert check(), "it never happened"  # type: ignore[operator]


def test_a_reset_is_answered_before_its_email_is_sent(eduport: str,
                                                      mailgun: FakeMailgun) -> None:
    registered = requests.post(f"{eduport}/auth/register", timeout=30, json={
        "email": "ann@example.test", "password": PASSWORD, "full_name": "Ann Lee",
        "role": "student"})
    assert registered.status_code == 202
    eventually(lambda: len(subjects(mailgun, "ann@example.test")) == 2)  # welcome, verify

    gate = mailgun.hold_next()  # the reset email waits at the mail service
    try:
        known = requests.post(f"{eduport}/auth/password-reset", timeout=30,
                              json={"email": "ann@example.test"})
        # Answered, and the email not sent: it is held, so it can only come after.
        assert RESET not in subjects(mailgun, "ann@example.test")
    finally:
        gate.set()
    unknown = requests.post(f"{eduport}/auth/password-reset", timeout=30,
                            json={"email": "nobody@example.test"})
    assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
    eventually(lambda: RESET in subjects(mailgun, "ann@example.test"))
    assert subjects(mailgun, "nobody@example.test") == []


def test_signing_up_with_a_taken_address_is_answered_as_any_sign_up(
        eduport: str, mailgun: FakeMailgun) -> None:
    def sign_up(email: str) -> requests.Response:
        return requests.post(f"{eduport}/auth/register", timeout=30, json={
            "email": email, "password": PASSWORD, "full_name": "Eve", "role": "teacher"})

    first, taken, fresh = sign_up("ann@example.test"), sign_up("ann@example.test"), \
        sign_up("bob@example.test")
    assert taken.status_code == fresh.status_code == first.status_code == 202
    assert taken.json().keys() == fresh.json().keys() and taken.json()["email"] == \
        "ann@example.test"
    eventually(lambda: "Someone tried to sign up with your address" in subjects(
        mailgun, "ann@example.test"))
