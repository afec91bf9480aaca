"""The embedded default mailer: each message becomes an .eml file in a folder, and a log line."""

from __future__ import annotations

import email.message
import email.utils
import hashlib
import logging
import os
from pathlib import Path

from application.messaging.ports import EmailMessage, SentMail

log = logging.getLogger(__name__)


class FileMailer:
    provider = "file"

    def __init__(self, folder: str, sender: str) -> None:
        self._folder, self._sender = Path(folder), sender

    def send(self, message: EmailMessage, idempotency_key: str) -> SentMail:
        self._folder.mkdir(parents=True, exist_ok=True)
        # The file name is derived from the key: a second send of the same key is a no-op.
        name = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
        path = self._folder / f"{name}.eml"
        if path.exists():
            return SentMail(self.provider, name)
        mime = email.message.EmailMessage()
        mime["From"] = self._sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = email.utils.formatdate(usegmt=True)
        mime["Message-ID"] = email.utils.make_msgid(domain="eduport.local")
        mime["X-Eduport-Key"] = idempotency_key
        if message.tags:
            mime["X-Eduport-Tags"] = ",".join(message.tags)
        mime.set_content(message.text)
        if message.html:
            mime.add_alternative(message.html, subtype="html")
        partial = path.with_suffix(".tmp")
        partial.write_bytes(mime.as_bytes())
        os.replace(partial, path)  # atomic: a reader never sees half a message
        log.info("mail written", extra={"file": str(path)})  # no address or subject in logs
        return SentMail(self.provider, name)
