from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from application.identity.ports import IdentityUnitOfWork, VerifierDecision
from application.identity.record_decision import record_decision
from application.shared.audit import Auditor
from application.shared.ports import WebhookEvent
from domain.identity.statuses import VerificationStatus


def decision_of(payload: dict[str, Any]) -> tuple[VerifierDecision, datetime]:
    """The decision an authenticated delivery carries and when the verifier signed it. The
    authenticator stores only these fields: ``session_id``, ``status``, ``vendor_data``,
    ``timestamp`` (Unix seconds), ``decided_at`` (ISO 8601 or None), ``document_type``,
    ``issuing_country``, ``decline_reason``. Raises ``ValueError`` for anything else."""
    decided = payload.get("decided_at")
    return (VerifierDecision(
        str(payload["session_id"]), payload.get("vendor_data"),
        VerificationStatus(payload["status"]),
        datetime.fromisoformat(decided) if isinstance(decided, str) else None,
        payload.get("document_type"), payload.get("issuing_country"),
        payload.get("decline_reason")),
        datetime.fromtimestamp(int(payload["timestamp"]), UTC))


class HandleVerifierEvent:
    """A verifier's webhook delivery, from the shared inbox (in a job, retried, replayable):
    the session's status moves forward, whatever order deliveries come in."""

    def __init__(self, uow: IdentityUnitOfWork, auditor: Auditor) -> None:
        self.uow, self.auditor = uow, auditor

    def __call__(self, event: WebhookEvent) -> str:
        try:
            decision, at = decision_of(event.payload)
        except (KeyError, ValueError, TypeError):
            return "ignored: not a session status this version knows"
        with self.uow:
            verification = self.uow.verifications.by_session(event.provider,
                                                             decision.session_id)
            if verification is None:
                return "ignored: unknown session"
            outcome = record_decision(self.uow, self.auditor, verification, decision, at)
            self.uow.commit()
            return outcome
