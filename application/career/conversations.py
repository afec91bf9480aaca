"""A student's conversations with the advisor, for their owner only."""

from __future__ import annotations

from dataclasses import dataclass

from application.career.ports import CareerUnitOfWork
from application.shared.ports import Principal
from domain.career.advice import ChatMessage, Conversation
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class ConversationView:
    conversation: Conversation
    messages: list[ChatMessage]


class ListConversations:
    def __init__(self, uow: CareerUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, actor: Principal, limit: int = 50) -> list[Conversation]:
        with self.uow.reading():
            return self.uow.conversations.of_user(actor.user_id, limit)


class GetConversation:
    def __init__(self, uow: CareerUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, actor: Principal, conversation_id: str) -> ConversationView:
        with self.uow.reading():
            found = self.uow.conversations.get(conversation_id)
            if found is None or found.user_id != actor.user_id:
                raise NotFound("no such conversation")
            return ConversationView(found, self.uow.conversations.messages(found.id))
