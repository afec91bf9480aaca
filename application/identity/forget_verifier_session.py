"""After a person's data is erased (an outbox handler, retried on its own until the verifier
answers), the verifier that ran each of their sessions deletes what it holds of it."""

from __future__ import annotations

import logging

from application.identity.ports import IdentityVerifier
from domain.identity.erasure import VerifierSessionErased
from domain.shared.events import Event

log = logging.getLogger(__name__)


class ForgetVerifierSession:
    """Idempotent (the port's ``forget`` is): a retry asks again, and a session the verifier
    no longer has is already forgotten."""

    def __init__(self, verifier: IdentityVerifier) -> None:
        self.verifier = verifier

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, VerifierSessionErased):
            raise TypeError(f"ForgetVerifierSession handles erased sessions, not {event.name}")
        if event.provider != self.verifier.provider:
            # A session of a verifier no longer configured: nobody here can ask it.
            log.warning("a %s session was erased but %s verifies now: ask %s to delete it",
                        event.provider, self.verifier.provider, event.provider,
                        extra={"session_id": event.session_id})
            return
        self.verifier.forget(event.session_id)
