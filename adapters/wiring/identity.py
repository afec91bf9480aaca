"""The identity area's wiring: the verifier (Didit when its settings are present, otherwise a
platform admin's manual review), Didit's webhooks on the shared inbox, the rules of teacher
approval and of students' identity, and the reactions to teachers registered and decided."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from injector import Injector, provider, singleton

from adapters.outbound.persistence.identity import SqlIdentityUnitOfWork
from adapters.settings import Section, Settings, SettingsReader
from adapters.wiring.area import AreaModule
from adapters.wiring.choice import vendor_or_default
from application.accounts.published import TeacherRegistered
from application.identity.config import IdentityPolicy
from application.identity.forget_verifier_session import ForgetVerifierSession
from application.identity.handle_verifier_event import HandleVerifierEvent
from application.identity.open_teacher_application import OpenTeacherApplication
from application.identity.ports import IdentityUnitOfWork, IdentityVerifier
from application.identity.published import IdentityRequirements
from application.identity.tell_applicant import TellApplicant
from application.shared.ports import Clock
from application.shared.webhooks import WebhookProvider
from domain.identity.erasure import VerifierSessionErased
from domain.identity.events import TeacherApproved, TeacherRejected

DIDIT = "didit"


@dataclass(frozen=True)
class IdentitySettings:
    didit_api_key: str | None = None
    didit_webhook_secret: str | None = None
    didit_workflow_id: str | None = None
    didit_api_base: str = "https://verification.didit.me"
    teacher_approval: bool = True
    teacher_requires_identity: bool = True
    student_requires_identity: bool = False
    poll_after_minutes: int = 30

    @classmethod
    def read(cls, reader: SettingsReader) -> IdentitySettings:
        didit = reader.together("Didit", ("DIDIT_API_KEY", "DIDIT_WEBHOOK_SECRET",
                                          "DIDIT_WORKFLOW_ID"))
        return cls(
            didit_api_key=didit.get("DIDIT_API_KEY"),
            didit_webhook_secret=didit.get("DIDIT_WEBHOOK_SECRET"),
            didit_workflow_id=didit.get("DIDIT_WORKFLOW_ID"),
            didit_api_base=reader.required("DIDIT_API_BASE", "https://verification.didit.me"),
            teacher_approval=reader.flag("TEACHER_APPROVAL", True),
            teacher_requires_identity=reader.flag("TEACHER_REQUIRES_IDENTITY", True),
            student_requires_identity=reader.flag("STUDENT_REQUIRES_IDENTITY", False),
            poll_after_minutes=reader.integer("IDENTITY_POLL_AFTER_MINUTES", 30, 1))


class IdentityModule(AreaModule):
    sections: Sequence[type[Section]] = (IdentitySettings,)
    unit_of_work = (IdentityUnitOfWork, SqlIdentityUnitOfWork)
    handlers = {TeacherRegistered: (("open_application", OpenTeacherApplication),),
                TeacherApproved: (("tell_applicant", TellApplicant),),
                TeacherRejected: (("tell_applicant", TellApplicant),),
                # A person erased (ADR 22): the verifier deletes what it holds, after commit.
                VerifierSessionErased: (("forget_verifier_session", ForgetVerifierSession),)}
    webhook_names = (DIDIT,)

    def webhook_providers(self, injector: Injector) -> Sequence[WebhookProvider]:
        section = injector.get(Settings).section(IdentitySettings)
        if not section.didit_webhook_secret:
            return ()
        from adapters.outbound.identity.didit import DiditWebhookAuthenticator

        return (WebhookProvider(DIDIT, DiditWebhookAuthenticator(
            section.didit_webhook_secret, injector.get(Clock)),
            injector.get(HandleVerifierEvent)),)

    @singleton
    @provider
    def verifier(self, settings: Settings) -> IdentityVerifier:
        section = settings.section(IdentitySettings)

        def didit() -> IdentityVerifier:
            from adapters.outbound.identity.didit import DiditIdentityVerifier

            return DiditIdentityVerifier(section.didit_api_key or "",
                                         section.didit_workflow_id or "",
                                         base_url=section.didit_api_base)

        def manual() -> IdentityVerifier:
            from adapters.outbound.identity.manual import ManualIdentityVerifier

            return ManualIdentityVerifier()

        return vendor_or_default({DIDIT: didit if section.didit_api_key else None},
                                 ("manual", manual))

    @singleton
    @provider
    def policy(self, settings: Settings) -> IdentityPolicy:
        section = settings.section(IdentitySettings)
        wait = timedelta(minutes=section.poll_after_minutes)
        return IdentityPolicy(teacher_requires_identity=section.teacher_requires_identity,
                              poll_after=wait, poll_every=wait)

    @singleton
    @provider
    def requirements(self, settings: Settings) -> IdentityRequirements:
        section = settings.section(IdentitySettings)
        return IdentityRequirements(teacher_approval=section.teacher_approval,
                                    students_verified=section.student_requires_identity)
