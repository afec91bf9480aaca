"""What every ``CareerAdvisor`` promises, run against the offline advisor and against the
Gemini advisor talking to the local fake of ``generateContent``: each method answers its
dataclass with usable content and non-negative token counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.outbound.career.gemini import GeminiCareerAdvisor
from adapters.outbound.career.offline import OfflineCareerAdvisor
from application.career.ports import (
    CareerAdvisor,
    ChatReply,
    ChatTurn,
    CvReview,
    LearningPath,
    RoleSuggestions,
    SkillsGap,
    StudentProfile,
    TokenUsage,
)
from domain.career.skills import SkillLevel
from tests.contracts import Contract
from tests.vendor_servers.gemini_server import DEFAULT_API_KEY, FakeGemini

ADVISORS = Contract(CareerAdvisor, {"offline": OfflineCareerAdvisor,
                                    "gemini": GeminiCareerAdvisor})
CV = """Ann Lee
Summary
Junior developer building web APIs in Python and Flask.
Experience
- Built a REST API in Python serving 2,000 users
Skills
Python, Flask, SQL
"""
PROFILE = StudentProfile(courses=("SQL for beginners",), skills=("Excel", "Python"))


@pytest.fixture(scope="module")
def gemini() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


@pytest.fixture(params=ADVISORS.params())
def advisor(request: pytest.FixtureRequest, gemini: FakeGemini) -> Any:
    gemini.clear_faults()
    makers = {"offline": OfflineCareerAdvisor,
              "gemini": lambda: GeminiCareerAdvisor(DEFAULT_API_KEY, base_url=gemini.url,
                                                    timeout_seconds=5)}
    return ADVISORS.build(request.param, makers[request.param])


def counted(usage: TokenUsage) -> None:
    assert usage.prompt_tokens >= 0 and usage.output_tokens >= 0
    assert usage.total == usage.prompt_tokens + usage.output_tokens


def test_it_names_itself(advisor: CareerAdvisor) -> None:
    assert advisor.provider in ("offline", "gemini")


def test_a_cv_review_has_every_part(advisor: CareerAdvisor) -> None:
    review = advisor.analyze_cv(CV)
    assert isinstance(review, CvReview) and review.summary.strip()
    for part in (review.strengths, review.weaknesses, review.improvements, review.ats_tips,
                 review.skills):
        assert isinstance(part, tuple) and all(isinstance(s, str) and s for s in part)
    assert review.strengths or review.weaknesses
    counted(review.usage)


def test_a_skills_gap_gives_each_missing_skill_a_level(advisor: CareerAdvisor) -> None:
    gap = advisor.skills_gap("Data analyst", ["Excel"])
    assert isinstance(gap, SkillsGap) and gap.missing
    assert all(isinstance(m.level_needed, SkillLevel) and m.name for m in gap.missing)
    counted(gap.usage)


def test_a_learning_path_has_steps_that_take_time(advisor: CareerAdvisor) -> None:
    path = advisor.learning_path("Data analyst", ["Excel"])
    assert isinstance(path, LearningPath) and path.steps
    assert all(step.title and step.description and step.weeks >= 1 for step in path.steps)
    assert path.total_weeks == sum(step.weeks for step in path.steps)
    counted(path.usage)


def test_roles_are_suggested_with_reasons(advisor: CareerAdvisor) -> None:
    roles = advisor.suggest_roles(PROFILE)
    assert isinstance(roles, RoleSuggestions) and 1 <= len(roles.roles) <= 5
    assert all(role.title and role.reason for role in roles.roles)
    counted(roles.usage)


def test_chat_answers_in_text(advisor: CareerAdvisor) -> None:
    reply = advisor.chat(PROFILE, [ChatTurn("user", "I like data"),
                                   ChatTurn("model", "Try SQL.")], "What should I learn next?")
    assert isinstance(reply, ChatReply) and reply.text.strip()
    counted(reply.usage)
