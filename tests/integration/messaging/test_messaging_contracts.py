"""The messaging ports' contracts, run against the fake and every real adapter."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.outbound.mail.file_mailer import FileMailer
from application.messaging.ports import EmailMessage, Mailer
from tests.contracts import Contract
from tests.unit.messaging.fakes import FakeMailer

# --- Mailer ----------------------------------------------------------------------------------


MAILER = Contract(Mailer, {"fake": FakeMailer, "file": FileMailer})


@pytest.fixture(params=MAILER.params())
def mailer(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Any, Callable[[], int]]:
    if request.param == "fake":
        fake = MAILER.build("fake", FakeMailer)
        return fake, lambda: len(fake.sent)
    folder = tmp_path / "mail"
    file_mailer = MAILER.build("file", lambda: FileMailer(str(folder),
                                                          "eduport <no-reply@example.test>"))
    return file_mailer, lambda: len(list(folder.glob("*.eml")))


def test_mailer_contract_one_delivery_per_key(mailer: tuple[Any, Callable[[], int]]) -> None:
    sender, delivered = mailer
    message = EmailMessage("alan@example.test", "Welcome", "Hello")
    sender.send(message, "outbox:1:welcome")
    sender.send(message, "outbox:1:welcome")
    sender.send(message, "outbox:2:welcome")
    assert delivered() == 2


