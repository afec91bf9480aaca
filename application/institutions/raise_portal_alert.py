from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from application.institutions.ports import InstitutionsUnitOfWork, SignedRequests
from application.shared.ports import Clock, IdGenerator
from domain.institutions.alerts import Alert, AlertSeverity, AlertSource
from domain.shared.errors import InvalidValue


@dataclass(frozen=True)
class PortalAlertCommand:
    headers: Mapping[str, str]
    body: bytes  # as sent: the signature covers these bytes


@dataclass(frozen=True)
class RaisedAlert:
    alert: Alert
    created: bool  # False: the portal sent this request before (its webhook-id)


class RaisePortalAlert:
    """An institution's portal raises an alert with a request signed with its secret
    (``{institution_id, type, message, severity?}``, high by default, as the seed's); the
    platform's admins are told in real time (``AlertRaised``). A retried request (the same
    ``webhook-id``) raises nothing more."""

    def __init__(self, uow: InstitutionsUnitOfWork, signatures: SignedRequests, clock: Clock,
                 ids: IdGenerator) -> None:
        self.uow, self.signatures, self.clock, self.ids = uow, signatures, clock, ids

    def __call__(self, cmd: PortalAlertCommand) -> RaisedAlert:
        signed = self.signatures.verify(cmd.headers, cmd.body)
        b = signed.body
        kind, message = b.get("type"), b.get("message")
        severity = b.get("severity", AlertSeverity.HIGH.value)
        if not isinstance(kind, str) or not isinstance(message, str):
            raise InvalidValue("an alert has a type and a message (text)", "type")
        if severity not in AlertSeverity._value2member_map_:
            raise InvalidValue(f"the severity is one of {', '.join(AlertSeverity)}",
                               "severity")
        alert = Alert.raise_(self.ids.new_id(), signed.institution_id, kind,
                             AlertSeverity(severity), message, AlertSource.PORTAL,
                             signed.message_id, self.clock.now())
        with self.uow:
            found = self.uow.alerts.by_reference(signed.institution_id, signed.message_id)
            if found is not None:
                return RaisedAlert(found, created=False)
            self.uow.alerts.add(alert)
            self.uow.commit()
        return RaisedAlert(alert, created=True)
