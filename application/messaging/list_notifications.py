"""A person's in-app inbox, newest first, with how many are unread."""

from __future__ import annotations

from dataclasses import dataclass

from application.messaging.ports import MessagingUnitOfWork
from application.shared.ports import Page, Principal
from domain.messaging.model import Notification


@dataclass(frozen=True)
class ListNotificationsQuery:
    actor: Principal
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class NotificationsPage:
    page: Page[Notification]
    unread: int


class ListNotifications:
    def __init__(self, uow: MessagingUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: ListNotificationsQuery) -> NotificationsPage:
        with self.uow:
            items, total = self.uow.inbox.page(query.actor.user_id, query.page, query.page_size)
            unread = self.uow.inbox.unread(query.actor.user_id)
        return NotificationsPage(Page(items, query.page, query.page_size, total), unread)
