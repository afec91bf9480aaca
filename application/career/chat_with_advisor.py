from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.career.allowance import AdvisorAllowance
from application.career.config import CareerPolicy
from application.career.ports import CareerAdvisor, CareerUnitOfWork, ChatTurn, StudentProfile
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
    student's short profile; both messages are kept once it has answered. While it answers,
    another message to the same conversation is a ``Conflict`` (and charges nothing)."""

    def __init__(self, uow: CareerUnitOfWork, advisor: CareerAdvisor,
                 allowance: AdvisorAllowance, policy: CareerPolicy, clock: Clock,
                 ids: IdGenerator) -> None:
        self.uow, self.advisor, self.allowance = uow, advisor, allowance
        self.policy, self.clock, self.ids = policy, clock, ids

    def __call__(self, cmd: ChatCommand) -> ChatAnswer:
        message, user_id = check_message(cmd.message), cmd.actor.user_id
        turns, profile, started = self._begin(user_id, cmd.conversation_id)
        try:
            reply = self.allowance.spend(user_id, AdviceKind.CHAT, self.advisor.provider,
                                         lambda: self.advisor.chat(profile, turns, message))
        except BaseException:
            self._end(user_id, cmd.conversation_id, started, ())
            raise
        said = ((Speaker.USER, message), (Speaker.MODEL, reply.text))
        return ChatAnswer(reply.text, self._end(user_id, cmd.conversation_id, started, said))

    def _begin(self, user_id: str, conversation_id: str | None
               ) -> tuple[list[ChatTurn], StudentProfile, datetime]:
        now = self.clock.now()
        with self.uow:
            profile = student_profile(self.uow, user_id)
            if conversation_id is None:  # a new conversation: nobody else can write to it
                return [], profile, now
            found = self.uow.conversations.get(conversation_id)
            if found is None or found.user_id != user_id:
                raise NotFound("no such conversation")
            found.begin_reply(now, self.policy.reply_lease)
            history = self.uow.conversations.messages(found.id, HISTORY_TURNS)
            self.uow.commit()
        return [ChatTurn(m.speaker.value, m.text) for m in history], profile, now

    def _end(self, user_id: str, conversation_id: str | None, started: datetime,
             said: tuple[tuple[Speaker, str], ...]) -> str:
        with self.uow:
            now = self.clock.now()
            found = self.uow.conversations.get(conversation_id or "")
            if found is None and said:
                found = Conversation.start(self.ids.new_id(), user_id, said[0][1], now)
                self.uow.conversations.add(found)
            if found is None:
                return ""
            for speaker, text in said:
                self.uow.conversations.append(found.say(speaker, text, now))
            found.end_reply(started)
            self.uow.commit()
            return found.id
