"""Password strength by ``zxcvbn`` (Dropbox's estimator): it knows common passwords, names,
words, keyboard walks, dates and repeats, and the owner's own words, so ``1234567890``,
``password12`` and ``qwertyuiop`` are refused while a long passphrase passes."""

from __future__ import annotations

from collections.abc import Sequence

from zxcvbn import zxcvbn

# zxcvbn's cost grows with length; the estimate is already settled well before this.
_SCORED_LENGTH = 100


class ZxcvbnPasswordStrength:
    """Scores 0 (too guessable) to 4; below ``min_score`` is weak. 3 is "safely
    unguessable: moderate protection from offline attacks" in zxcvbn's own words."""

    def __init__(self, min_score: int = 3) -> None:
        self._min_score = min_score

    def weakness(self, password: str, personal: Sequence[str]) -> str | None:
        found = zxcvbn(password[:_SCORED_LENGTH], user_inputs=[p for p in personal if p])
        if found["score"] >= self._min_score:
            return None
        feedback = found.get("feedback") or {}
        warning = str(feedback.get("warning") or "").strip().rstrip(".")
        tips = [str(t).strip().rstrip(".") for t in feedback.get("suggestions") or [] if t]
        reason = warning or (tips[0] if tips else "it is among the first ones tried")
        return reason[0].lower() + reason[1:] if reason else reason
