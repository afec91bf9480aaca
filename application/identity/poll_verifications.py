from __future__ import annotations

import logging
from datetime import timedelta

from application.identity.config import IdentityPolicy
from application.identity.ports import IdentityUnitOfWork, IdentityVerifier
from application.identity.record_decision import record_decision
from application.shared.audit import Auditor
from application.shared.errors import DeliveryFailed
from application.shared.jobs import Job
from application.shared.ports import Clock
from domain.shared.errors import NotFound

log = logging.getLogger(__name__)
BATCH = 50


class PollVerifications:
    """Runs on the cron: asks the verifier for the decision of sessions still open after
    the policy's wait, so a lost webhook cannot leave anyone waiting for ever. A 429 stops
    the run, and the session asked waits the verifier's ``Retry-After`` before the next."""

    def __init__(self, uow: IdentityUnitOfWork, verifier: IdentityVerifier, clock: Clock,
                 policy: IdentityPolicy, auditor: Auditor) -> None:
        self.uow, self.verifier, self.clock = uow, verifier, clock
        self.policy, self.auditor = policy, auditor

    def __call__(self) -> int:
        if not self.verifier.hosted:
            return 0  # an admin decides; there is nobody to ask
        now = self.clock.now()
        with self.uow:
            due = [v.session_id for v in self.uow.verifications.due_for_poll(
                self.verifier.provider, now - self.policy.poll_after, now, BATCH)]
        asked = 0
        for session_id in due:
            try:
                decision = self.verifier.decision(session_id)
            except NotFound:  # not (or no longer) known there: asked again later
                log.warning("identity poll: the verifier does not know a session")
                decision = None
            except DeliveryFailed as error:
                wait = timedelta(seconds=error.retry_after or 0) or self.policy.poll_every
                self._later(session_id, wait)
                log.warning("identity poll stopped: %s", error.message)
                break
            asked += 1
            with self.uow:
                verification = self.uow.verifications.by_session(self.verifier.provider,
                                                                  session_id)
                if verification is not None and decision is not None:
                    record_decision(self.uow, self.auditor, verification, decision,
                                    self.clock.now())
                if verification is not None and verification.is_open:
                    verification.poll_again(self.clock.now() + self.policy.poll_every)
                self.uow.commit()
        return asked

    def _later(self, session_id: str, wait: timedelta) -> None:
        with self.uow:
            verification = self.uow.verifications.by_session(self.verifier.provider,
                                                              session_id)
            if verification is not None:
                verification.poll_again(self.clock.now() + wait)
                self.uow.commit()


POLL_VERIFICATIONS = Job("poll_identity_verifications", PollVerifications,
                         every=timedelta(minutes=5))
