"""The wiring of personal data's export and erasure (ADR 22), installed by the accounts area
whose use cases they are: the unit of work over every area's section
(``adapters.outbound.persistence.privacy.sections`` lists them) and how long an export may be
downloaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from injector import Binder, Module, provider, singleton

from adapters.outbound.persistence.privacy.sections import SqlPrivacyUnitOfWork
from adapters.settings import Settings, SettingsReader
from adapters.wiring.area import bind_units_of_work
from application.accounts.personal_data import PrivacyPolicy, PrivacyUnitOfWork


@dataclass(frozen=True)
class PrivacySettings:
    data_export_ttl_days: int = 7

    @classmethod
    def read(cls, reader: SettingsReader) -> PrivacySettings:
        return cls(data_export_ttl_days=reader.integer("DATA_EXPORT_TTL_DAYS", 7, 1))


class PrivacyModule(Module):
    def configure(self, binder: Binder) -> None:
        bind_units_of_work(binder, (PrivacyUnitOfWork,), SqlPrivacyUnitOfWork)

    @singleton
    @provider
    def privacy_policy(self, settings: Settings) -> PrivacyPolicy:
        days = settings.section(PrivacySettings).data_export_ttl_days
        return PrivacyPolicy(export_ttl=timedelta(days=days))
