"""What the advisor's work leaves behind: conversations with their messages, CV analyses,
and the calls counted against each person's daily allowance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from domain.shared.errors import Conflict, InvalidValue
from domain.shared.model import Aggregate

MAX_MESSAGE = 4_000
HISTORY_TURNS = 10  # the model sees the last ten messages of a conversation


class Speaker(StrEnum):
    USER = "user"
    MODEL = "model"


class AdviceKind(StrEnum):
    CHAT = "chat"
    CV_ANALYSIS = "cv_analysis"
    SKILLS_GAP = "skills_gap"
    LEARNING_PATH = "learning_path"
    JOB_RECOMMENDATIONS = "job_recommendations"


def check_message(text: str, field_name: str = "message", limit: int = MAX_MESSAGE) -> str:
    cleaned = text.replace("\x00", "").strip()
    if not cleaned:
        raise InvalidValue(f"the {field_name.replace('_', ' ')} is empty", field_name)
    if len(cleaned) > limit:
        raise InvalidValue(f"the {field_name.replace('_', ' ')} is at most {limit} "
                           "characters", field_name)
    return cleaned


@dataclass(frozen=True)
class ChatMessage:
    conversation_id: str
    position: int
    speaker: Speaker
    text: str
    at: datetime


@dataclass(eq=False)
class Conversation(Aggregate):
    id: str
    user_id: str
    title: str
    started_at: datetime
    updated_at: datetime
    message_count: int = 0
    version: int = field(default=1)
    # Set while the advisor writes a reply: a second message sent meanwhile is refused, so
    # that no two replies are written to one history. Expires with ``lease``, in case the
    # process answering died.
    replying_since: datetime | None = None

    @classmethod
    def start(cls, conversation_id: str, user_id: str, first_message: str,
              now: datetime) -> Conversation:
        title = " ".join(first_message.split())
        return cls(conversation_id, user_id, title[:77] + "..." if len(title) > 80 else title,
                   now, now)

    def begin_reply(self, now: datetime, lease: timedelta) -> datetime:
        if self.replying_since is not None and now - self.replying_since < lease:
            raise Conflict("the advisor is still answering the last message of this "
                           "conversation; send the next once it has answered")
        self.replying_since = now
        self.version += 1
        return now

    def end_reply(self, started: datetime) -> None:
        """Ends the reply begun at ``started`` (not a later one that took over its lease)."""
        if self.replying_since == started:
            self.replying_since = None
            self.version += 1

    def say(self, speaker: Speaker, text: str, now: datetime) -> ChatMessage:
        message = ChatMessage(self.id, self.message_count, speaker, text, now)
        self.message_count += 1
        self.updated_at = now
        self.version += 1
        return message


@dataclass(frozen=True)
class CvAnalysis:
    id: str
    user_id: str
    provider: str
    created_at: datetime
    summary: str
    strengths: tuple[str, ...]
    weaknesses: tuple[str, ...]
    improvements: tuple[str, ...]
    ats_tips: tuple[str, ...]
    skills: tuple[str, ...]
    file_id: str | None = None  # the uploaded CV it read, when it was not pasted text


@dataclass(frozen=True)
class AdvisorCall:
    """One call to the advisor charged to a person's daily allowance: reserved before the
    vendor is asked (``settled`` False), then settled with the tokens, or released when the
    vendor failed."""

    id: str
    user_id: str
    kind: AdviceKind
    provider: str
    at: datetime
    prompt_tokens: int = 0
    output_tokens: int = 0
    settled: bool = False
