"""Reads what the embedded mailer wrote, the way an operator (or the demo) would."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import Message
from pathlib import Path


def messages(folder: Path) -> list[Message]:
    if not folder.exists():
        return []
    found = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
             for p in sorted(folder.glob("*.eml"))]
    return sorted(found, key=lambda m: str(m["Date"]))


def body(message: Message) -> str:
    part = message.get_body(preferencelist=("plain",)) if hasattr(message, "get_body") else None
    source = part if part is not None else message
    payload = source.get_payload(decode=True)
    return payload.decode() if isinstance(payload, bytes) else str(payload)


def link_token(folder: Path, to: str, subject: str) -> str:
    for message in reversed(messages(folder)):
        if message["To"] == to and message["Subject"] == subject:
            found = re.search(r"token=([A-Za-z0-9._-]+)", body(message))
            if found:
                return found.group(1)
    raise AssertionError(f"no message {subject!r} with a token was sent to {to}")
