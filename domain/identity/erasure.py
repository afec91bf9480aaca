"""What the erasure of a person leaves for the identity area to do after its commit."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True)
class VerifierSessionErased(Event):
    """A person's verification was erased here: the verifier that ran ``session_id`` is to
    delete what it holds of it (documents, images, its own report)."""

    provider: str
    session_id: str
