"""What an area contributes to the composition root besides its injector bindings: the
reactions to events (outbox handlers) and the webhook providers it registers on the inbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from injector import Injector, Module

from application.shared.webhooks import WebhookProvider
from domain.shared.events import Event


class AreaModule(Module):
    """An area's injector module. ``handlers`` maps an event class to the (name, use case)
    pairs that react to it; the use case is called with the event and an idempotency key."""

    handlers: Mapping[type[Event], Sequence[tuple[str, type[Any]]]] = {}
    # Every webhook provider the area can register, configured or not: each gets its route.
    webhook_names: Sequence[str] = ()

    def webhook_providers(self, injector: Injector) -> Sequence[WebhookProvider]:
        return ()
