"""What an institution's portal reported (``institution-sync`` webhooks, stored once by
``webhook-id`` in the inbox, handled in a job): the metric is updated, with an activity
record of the old and new values, unless a later report was applied already."""

from __future__ import annotations

from datetime import datetime

from application.institutions.ports import InstitutionsUnitOfWork
from application.shared.ports import WebhookEvent
from domain.institutions.activity import Activity, ActivityKind
from domain.institutions.model import SyncMetric


class ApplySyncedMetric:
    def __init__(self, uow: InstitutionsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, event: WebhookEvent) -> str:
        p = event.payload
        metric, at = SyncMetric(p["metric"]), datetime.fromisoformat(p["reported_at"])
        with self.uow:
            found = self.uow.institutions.get(p["institution_id"])
            if found is None or not found.is_active:
                return "ignored: no such active institution"
            change = found.report(metric, p["value"], at)
            if change is None:
                return "ignored: a later report was applied"
            self.uow.activity.add_once(Activity(
                f"sync:{event.event_id}", found.id, ActivityKind.METRIC_UPDATED,
                f"{metric.value} updated to {change.new}", None, at,
                {"metric": metric.value, "old_value": change.old, "new_value": change.new}))
            self.uow.commit()
        return f"{metric.value} updated"
