"""Processes for the outbox crash test: run as ``python -m tests.integration.outbox_processes``.

``register EMAIL``  registers a user with a task queue that kills the process right after the
                    commit, before anything is enqueued (exit code 17).
``worker``          runs the real RQ worker with its cron scheduler.
Both write every mail send attempt to the journal file named by ``MAIL_JOURNAL`` (one JSON line
per call, no de-duplication), so the test can count how often a handler really ran.
"""

from __future__ import annotations

import json
import os
import sys

from injector import Module, provider, singleton

from application.messaging.ports import EmailMessage, Mailer, SentMail
from application.shared.ports import TaskQueue

KILLED_AFTER_COMMIT = 17


class JournalMailer:
    provider = "journal"

    def __init__(self, path: str) -> None:
        self.path = path

    def send(self, message: EmailMessage, idempotency_key: str) -> SentMail:
        line = json.dumps({"key": idempotency_key, "to": message.to, "subject": message.subject})
        with open(self.path, "a", encoding="utf-8") as journal:
            journal.write(line + "\n")
        return SentMail(self.provider, None)


class DiesOnEnqueue:
    def enqueue(self, job: str, *args: str) -> None:
        os._exit(KILLED_AFTER_COMMIT)  # the commit is durable; the enqueue never happens


class JournalModule(Module):
    @singleton
    @provider
    def mailer(self) -> Mailer:
        return JournalMailer(os.environ["MAIL_JOURNAL"])


class DyingQueueModule(Module):
    @singleton
    @provider
    def queue(self) -> TaskQueue:
        return DiesOnEnqueue()


def main(argv: list[str]) -> None:
    from adapters.inbound.cli import run_worker
    from adapters.settings import Settings
    from application.accounts.register_user import RegisterUser, RegisterUserCommand
    from bootstrap import build_injector

    settings = Settings.from_env(dotenv=False)
    if argv[0] == "register":
        injector = build_injector(settings, JournalModule(), DyingQueueModule())
        injector.get(RegisterUser)(
            RegisterUserCommand(argv[1], "correct horse battery", "Crash Test", "student"))
        sys.exit(0)  # not reached: the queue kills the process first
    if argv[0] == "worker":
        run_worker(settings, build_injector(settings, JournalModule()), burst=False,
                   with_cron=True)


if __name__ == "__main__":
    main(sys.argv[1:])
