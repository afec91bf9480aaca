from __future__ import annotations

from dataclasses import dataclass

from application.career.allowance import AdvisorAllowance
from application.career.ports import CareerAdvisor, CareerUnitOfWork, ChatTurn
from application.career.profiles import student_profile
from application.shared.ports import Clock, IdGenerator, Principal
from domain.career.advice import HISTORY_TURNS, AdviceKind, Conversation, Speaker, check_message
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class ChatCommand:
    actor: Principal
    message: str
    conversation_id: str | None = None


@dataclass(frozen=True)
class ChatAnswer:
    response: str
    conversation_id: str


class ChatWithAdvisor:
    """One turn of a career conversation: the advisor sees the last ten messages and the
    student's short profile; both messages are kept once it has answered."""

    def __init__(self, uow: CareerUnitOfWork, advisor: CareerAdvisor,
                 allowance: AdvisorAllowance, clock: Clock, ids: IdGenerator) -> None:
        self.uow, self.advisor, self.allowance = uow, advisor, allowance
        self.clock, self.ids = clock, ids

    def __call__(self, cmd: ChatCommand) -> ChatAnswer:
        message, user_id = check_message(cmd.message), cmd.actor.user_id
        with self.uow:
            history = []
            if cmd.conversation_id is not None:
                conversation = self.uow.conversations.get(cmd.conversation_id)
                if conversation is None or conversation.user_id != user_id:
                    raise NotFound("no such conversation")
                history = self.uow.conversations.messages(conversation.id, HISTORY_TURNS)
            profile = student_profile(self.uow, user_id)
        turns = [ChatTurn(m.speaker.value, m.text) for m in history]
        reply = self.allowance.spend(user_id, AdviceKind.CHAT, self.advisor.provider,
                                     lambda: self.advisor.chat(profile, turns, message))
        with self.uow:
            now = self.clock.now()
            found = self.uow.conversations.get(cmd.conversation_id or "")
            if found is None:
                found = Conversation.start(self.ids.new_id(), user_id, message, now)
                self.uow.conversations.add(found)
            self.uow.conversations.append(found.say(Speaker.USER, message, now))
            self.uow.conversations.append(found.say(Speaker.MODEL, reply.text, now))
            self.uow.commit()
            return ChatAnswer(reply.text, found.id)
