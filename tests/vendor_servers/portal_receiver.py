"""An institution's portal as a broadcast receiver: it checks every POST with the
``standardwebhooks`` library (the receiving side of the scheme, as a portal would), keeps
what it accepted, and can be told to fail the next requests."""

from __future__ import annotations

import json
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug.wrappers import Request, Response

from tests.vendor_servers.base import FakeVendorServer, InjectedFailure


class PortalReceiver(FakeVendorServer):
    def __init__(self, secret: str = "") -> None:
        super().__init__()
        self.secret = secret  # the institution's, once the test knows it
        self.accepted: list[dict[str, Any]] = []  # (webhook-id, the verified JSON)
        self.refused = 0

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        self._queue_failures(n, InjectedFailure(status))

    def handle(self, request: Request) -> Response:
        body = request.get_data(cache=True)
        self._record(request, body)
        failure = self._pop_failure()
        if failure is not None:
            return Response("busy", status=failure.status)
        try:
            verified = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            with self._lock:
                self.refused += 1
            return Response(json.dumps({"error": "bad signature"}), status=400)
        with self._lock:
            self.accepted.append({"id": request.headers["webhook-id"], "body": verified})
        return Response(status=204)
