"""What eduport sends institutions' portals: a Standard Webhooks POST (plain ``requests``;
the signature by the ``standardwebhooks`` library) with a timeout and no redirects."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import requests
from standardwebhooks.webhooks import Webhook

from application.shared.errors import DeliveryFailed
from application.shared.ports import Clock


class HttpInstitutionWebhooks:
    def __init__(self, clock: Clock, timeout_seconds: float = 10,
                 session: requests.Session | None = None) -> None:
        self.clock, self.timeout = clock, timeout_seconds
        self.session = session or requests.Session()

    def send(self, url: str, secret: str, message_id: str, event_type: str,
             data: Mapping[str, Any]) -> None:
        now = self.clock.now()
        body = json.dumps({"type": event_type, "timestamp": now.isoformat(),
                           "data": dict(data)}, separators=(",", ":"))
        headers = {"content-type": "application/json", "webhook-id": message_id,
                   "webhook-timestamp": str(int(now.timestamp())),
                   "webhook-signature": Webhook(secret).sign(message_id, now, body)}
        try:
            answer = self.session.post(url, data=body.encode(), headers=headers,
                                       timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as error:
            raise DeliveryFailed(f"the portal could not be reached ({type(error).__name__})"
                                 ) from error
        if not 200 <= answer.status_code < 300:
            retry = answer.headers.get("Retry-After", "")
            raise DeliveryFailed(f"the portal answered HTTP {answer.status_code}",
                                 int(retry) if retry.isdigit() else None)
