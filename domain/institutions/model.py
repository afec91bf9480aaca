"""An institution as the platform owner keeps it: who it is, its plan and storage allowance,
its status, the billing customer that pays for it, and the metrics its portal reports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum

from domain.institutions.events import (
    InstitutionCreated,
    InstitutionDeactivated,
    InstitutionUpdated,
    StorageQuotaExceeded,
)
from domain.shared.errors import InvalidState, InvalidValue
from domain.shared.model import Aggregate

_EMAIL = re.compile(r"^[^@\s]{1,64}@[a-z0-9-]+(\.[a-z0-9-]+)+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_PLAN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_URL = re.compile(r"^https?://[^\s/?#@:]+(:\d{1,5})?(/[^\s]*)?$")
MAX_QUOTA = 10**15  # a petabyte: anything larger is a typo


class InstitutionStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class SyncMetric(StrEnum):
    """What an institution's portal reports: head counts, and storage used in bytes."""

    STUDENTS = "students"
    FACULTY = "faculty"
    STORAGE = "storage"


MAX_METRIC = 10**15


@dataclass(frozen=True)
class MetricChange:
    metric: SyncMetric
    old: int
    new: int


@dataclass(frozen=True)
class InstitutionDetails:
    """What a platform admin writes of an institution; ``storage_quota_bytes`` in bytes."""

    name: str
    primary_email: str
    domain: str
    plan: str
    storage_quota_bytes: int

    def __post_init__(self) -> None:
        name = " ".join(self.name.split())
        if not 1 <= len(name) <= 200:
            raise InvalidValue("an institution's name is 1 to 200 characters", "name")
        email = self.primary_email.strip().lower()
        if len(email) > 254 or not _EMAIL.match(email):
            raise InvalidValue("the primary email is not an email address", "primary_email")
        domain = self.domain.strip().lower().rstrip(".")
        if not _DOMAIN.match(domain):
            raise InvalidValue("the domain is a host name such as uni.example.edu", "domain")
        if not _PLAN.match(self.plan):
            raise InvalidValue("a plan is a configured plan's key (lower case)", "plan")
        if not 0 <= self.storage_quota_bytes <= MAX_QUOTA:
            raise InvalidValue(f"the storage quota is 0 to {MAX_QUOTA} bytes",
                               "storage_quota_bytes")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "primary_email", email)
        object.__setattr__(self, "domain", domain)


@dataclass(eq=False)
class Institution(Aggregate):
    id: str
    name: str
    primary_email: str
    domain: str
    plan: str
    storage_quota_bytes: int
    created_at: datetime
    updated_at: datetime
    status: InstitutionStatus = InstitutionStatus.ACTIVE
    deactivated_at: datetime | None = None
    billing_customer_id: str | None = None  # set once the billing provider made it
    students: int = 0  # as the institution's portal last reported them
    faculty: int = 0
    storage_bytes: int = 0
    # When each metric was last reported (the report's own time): an older report that
    # arrives late changes nothing.
    students_at: datetime | None = None
    faculty_at: datetime | None = None
    storage_at: datetime | None = None
    # The Standard Webhooks secret ("whsec_" and base64) its portal signs reports with, and
    # eduport signs what it sends the portal's endpoint with.
    signing_secret: str = ""
    webhook_url: str | None = None  # where the portal takes broadcasts
    past_due_since: datetime | None = None  # an invoice went past the reminder ladder
    # What eduport's file store holds for it (its own files and its people's), as last
    # measured; and since when its use has been at or above the warning share of its quota.
    stored_bytes: int = 0
    stored_at: datetime | None = None
    storage_warned_at: datetime | None = None
    version: int = field(default=1)

    @classmethod
    def create(cls, institution_id: str, details: InstitutionDetails, actor_id: str | None,
               signing_secret: str, now: datetime) -> Institution:
        created = cls(institution_id, details.name, details.primary_email, details.domain,
                      details.plan, details.storage_quota_bytes, now, now,
                      signing_secret=signing_secret)
        created.events.append(InstitutionCreated(institution_id, actor_id))
        return created

    @property
    def details(self) -> InstitutionDetails:
        return InstitutionDetails(self.name, self.primary_email, self.domain, self.plan,
                                  self.storage_quota_bytes)

    @property
    def is_active(self) -> bool:
        return self.status == InstitutionStatus.ACTIVE

    def change(self, details: InstitutionDetails, actor_id: str | None, now: datetime) -> None:
        """Rewrites the details; a change to nothing changes nothing (no event)."""
        if not self.is_active:
            raise InvalidState("a deactivated institution is not changed")
        old = self.details
        changed: dict[str, list[object]] = {
            f.name: [getattr(old, f.name), getattr(details, f.name)]
            for f in fields(InstitutionDetails) if getattr(old, f.name) != getattr(details, f.name)}
        if not changed:
            return
        for name, (_, new) in changed.items():
            setattr(self, name, new)
        self.updated_at = now
        self.version += 1
        self.events.append(InstitutionUpdated(self.id, actor_id, changed))

    def deactivate(self, actor_id: str | None, now: datetime) -> None:
        """Deactivating twice is harmless (one event)."""
        if not self.is_active:
            return
        self.status, self.deactivated_at, self.updated_at = (InstitutionStatus.INACTIVE, now,
                                                             now)
        self.version += 1
        self.events.append(InstitutionDeactivated(self.id, actor_id))

    def link_billing_customer(self, customer_id: str) -> bool:
        """Keeps the first customer made for it: False when it had one already."""
        if self.billing_customer_id is not None:
            return False
        self.billing_customer_id = customer_id
        self.version += 1
        return True

    def rotate_signing_secret(self, secret: str, now: datetime) -> None:
        self.signing_secret, self.updated_at = secret, now
        self.version += 1

    def report(self, metric: SyncMetric, value: int, at: datetime) -> MetricChange | None:
        """What the portal reported at ``at``; None (nothing changes) when a report made
        later was applied already."""
        if isinstance(value, bool) or not 0 <= value <= MAX_METRIC:
            raise InvalidValue(f"a metric is a whole number from 0 to {MAX_METRIC}", "value")
        column = "storage_bytes" if metric == SyncMetric.STORAGE else metric.value
        last = getattr(self, f"{metric.value}_at")
        if last is not None and at <= last:
            return None
        change = MetricChange(metric, getattr(self, column), value)
        setattr(self, column, value)
        setattr(self, f"{metric.value}_at", at)
        self.version += 1
        return change

    def register_endpoint(self, url: str | None, now: datetime) -> None:
        """Where broadcasts go (None: nowhere; its admins still get them by email)."""
        if url is not None and (len(url) > 500 or not _URL.match(url)):
            raise InvalidValue("the endpoint is an http or https URL of at most 500 characters",
                               "url")
        self.webhook_url, self.updated_at = url, now
        self.version += 1

    @property
    def storage_in_use(self) -> int:
        """Bytes counted against the quota: what eduport stores for it and what its portal
        reports storing on its own side."""
        return self.stored_bytes + self.storage_bytes

    def measure_storage(self, stored_bytes: int, warn_percent: int, now: datetime) -> int | None:
        """Records what eduport stores for it; the percent of the quota in use when this
        measurement crossed ``warn_percent`` (once per crossing: it must fall below again
        before another), else None. A quota of 0 allows nothing and warns of nothing."""
        self.stored_bytes, self.stored_at = stored_bytes, now
        self.version += 1
        used, quota = self.storage_in_use, self.storage_quota_bytes
        percent = used * 100 // quota if quota else 0
        if percent < warn_percent or not quota:
            self.storage_warned_at = None
            return None
        if self.storage_warned_at is not None:
            return None
        self.storage_warned_at = now
        self.events.append(StorageQuotaExceeded(self.id, percent, used, quota))
        return percent

    def flag_past_due(self, now: datetime) -> bool:
        """False when it was flagged already."""
        if self.past_due_since is not None:
            return False
        self.past_due_since = now
        self.version += 1
        return True

    def clear_past_due(self) -> None:
        if self.past_due_since is not None:
            self.past_due_since = None
            self.version += 1
