"""Messaging's real-time wiring: Pusher Channels (or a self-hosted soketi, which speaks the
same API) when its credentials are set, otherwise the log publisher, which offers no
channels (clients poll the in-app inbox); and whom a presence channel shows."""

from __future__ import annotations

from dataclasses import dataclass

from injector import Injector, Module, provider, singleton

from adapters.outbound.realtime.log import LogRealtimePublisher
from adapters.settings import Settings, SettingsReader
from adapters.wiring.choice import vendor_or_default
from application.accounts.directory import UserDirectory
from application.accounts.ports import AccountsUnitOfWork
from application.messaging.ports import MemberDirectory
from application.messaging.published import RealtimePublisher

_CREDENTIALS = ("PUSHER_APP_ID", "PUSHER_APP_KEY", "PUSHER_APP_SECRET")


@dataclass(frozen=True)
class RealtimeSettings:
    app_id: str | None = None
    key: str | None = None
    secret: str | None = None
    cluster: str = "mt1"
    host: str | None = None  # soketi's host; unset: Pusher's api-{cluster}.pusher.com
    port: int | None = None  # unset: 443 for https, 80 for http
    scheme: str = "https"
    timeout_seconds: int = 5

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.key and self.secret)

    @classmethod
    def read(cls, reader: SettingsReader) -> RealtimeSettings:
        app_id = reader.text("PUSHER_APP_ID")
        credentials = reader.together("Pusher", _CREDENTIALS, "for no real-time channels")
        key, secret = credentials.get("PUSHER_APP_KEY"), credentials.get("PUSHER_APP_SECRET")
        if app_id is not None and not app_id.isdigit():
            reader.problems.append(f"PUSHER_APP_ID must be the app's number, got {app_id!r}")
        host = reader.text("PUSHER_HOST")
        if host is not None and ("/" in host or ":" in host):
            reader.problems.append("PUSHER_HOST must be a host name alone (the scheme goes in "
                                   f"PUSHER_SCHEME, the port in PUSHER_PORT), got {host!r}")
        port = reader.integer("PUSHER_PORT", 0, 1)
        if port > 65535:
            reader.problems.append(f"PUSHER_PORT must be a port number, got {port}")
        return cls(app_id=app_id, key=key, secret=secret,
                   cluster=reader.required("PUSHER_APP_CLUSTER", "mt1"),
                   host=host, port=port or None,
                   scheme=reader.choice("PUSHER_SCHEME", "https", ("http", "https")),
                   timeout_seconds=reader.integer("PUSHER_TIMEOUT_SECONDS", 5, 1))


class AccountMembers:
    """``MemberDirectory`` over the accounts area's directory, in a transaction of its own."""

    def __init__(self, injector: Injector) -> None:
        self._injector = injector

    def name(self, user_id: str) -> str | None:
        uow = self._injector.get(AccountsUnitOfWork)
        with uow:
            contact = UserDirectory(uow.users).contact(user_id)
        return None if contact is None else contact.full_name


class RealtimeModule(Module):
    @singleton
    @provider
    def publisher(self, settings: Settings) -> RealtimePublisher:
        section = settings.section(RealtimeSettings)

        def pusher() -> RealtimePublisher:
            from adapters.outbound.realtime.pusher import (
                PusherRealtimePublisher,
                build_pusher_client,
            )

            if not (section.app_id and section.key and section.secret):
                raise RuntimeError("Pusher is not configured")
            return PusherRealtimePublisher(build_pusher_client(
                section.app_id, section.key, section.secret, cluster=section.cluster,
                host=section.host, port=section.port, scheme=section.scheme,
                timeout_seconds=section.timeout_seconds))

        return vendor_or_default({"pusher": pusher if section.configured else None},
                                 ("log", LogRealtimePublisher))

    @provider
    def members(self, injector: Injector) -> MemberDirectory:
        return AccountMembers(injector)
