"""The embedded default verifier: a platform admin reviews the person in eduport itself, so
no vendor is called and nothing about the person leaves the installation."""

from __future__ import annotations

import uuid

from application.identity.ports import OpenedSession, VerifierDecision
from domain.identity.statuses import VerificationStatus
from domain.shared.errors import NotFound

__all__ = ["ManualIdentityVerifier"]


class ManualIdentityVerifier:
    """The ``IdentityVerifier`` port without a vendor (``hosted`` False): sessions wait for a
    platform admin, whose decision is recorded by eduport, not asked of anyone."""

    provider = "manual"
    hosted = False

    def open_session(self, user_id: str, callback_url: str) -> OpenedSession:
        """A new review at once, with no network: a fresh UUID as its id, no hosted URL,
        Not Started. Each call is a new session: ``VerifyIdentity`` answers the user's open
        review instead of asking again. Never fails."""
        return OpenedSession(session_id=str(uuid.uuid4()), url=None,
                             status=VerificationStatus.NOT_STARTED)

    def decision(self, session_id: str) -> VerifierDecision:
        """Always ``NotFound``: the decision is the admin's, and there is no verifier to ask."""
        raise NotFound("a manual review has no verifier to ask for its decision")

    def forget(self, session_id: str) -> None:
        """Nothing to do: no one outside eduport holds anything of a manual review."""
