"""What an area contributes to the composition root besides its injector bindings: its
units of work, the reactions to events (outbox handlers), the webhook providers it
registers on the inbox and the rules of its real-time channels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from injector import Binder, Injector, Module
from sqlalchemy.orm import Session, sessionmaker

from adapters.settings import Section, Settings
from application.messaging.channels import ChannelRule
from application.shared.ports import Clock, IdGenerator, TaskQueue
from application.shared.webhooks import WebhookProvider
from domain.shared.events import Event


def bind_units_of_work(binder: Binder, ports: Iterable[type[Any]], cls: type[Any]) -> None:
    """Every port gets a new ``cls`` (an area's SQL unit of work) per resolution, over the one
    session factory: a use case gets its own transaction."""
    def build() -> Any:
        injector = binder.injector
        return cls(injector.get(sessionmaker[Session]), injector.get(Clock),
                   injector.get(IdGenerator), injector.get(TaskQueue))

    for port in ports:
        binder.bind(port, to=build)


class AreaModule(Module):
    """An area's injector module. ``unit_of_work`` pairs the area's unit-of-work protocol with
    its SQL class; ``handlers`` maps an event class to the (name, use case) pairs that react to
    it, the use case being called with the event and an idempotency key."""

    sections: Sequence[type[Section]] = ()  # the area's sections of the settings
    unit_of_work: tuple[type[Any], type[Any]] | None = None
    handlers: Mapping[type[Event], Sequence[tuple[str, type[Any]]]] = {}
    # Every webhook provider the area can register, configured or not: each gets its route.
    webhook_names: Sequence[str] = ()
    # Who may subscribe to the area's private and presence real-time channels.
    channel_rules: Sequence[ChannelRule] = ()

    def configure(self, binder: Binder) -> None:
        if self.unit_of_work is not None:
            port, cls = self.unit_of_work
            bind_units_of_work(binder, (port,), cls)

    def webhook_providers(self, injector: Injector) -> Sequence[WebhookProvider]:
        return ()

    def webhook_routes(self, settings: Settings) -> Sequence[str]:
        """The webhook routes published with ``settings`` (all of ``webhook_names`` unless
        the area holds some back)."""
        return self.webhook_names

    def channel_rules_for(self, injector: Injector) -> Sequence[ChannelRule]:
        """The area's channel rules; an area whose rules read its records builds them here."""
        return self.channel_rules
