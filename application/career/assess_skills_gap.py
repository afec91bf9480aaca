from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from application.career.allowance import AdvisorAllowance
from application.career.ports import CareerAdvisor, CareerUnitOfWork, SkillsGap
from application.career.profiles import CourseRecommendation, courses_teaching
from application.shared.ports import Principal
from domain.career.advice import AdviceKind, check_message
from domain.career.skills import normalise_skills
from domain.shared.errors import InvalidValue

MAX_SKILLS = 50


@dataclass(frozen=True)
class SkillsGapCommand:
    actor: Principal
    target_role: str
    current_skills: Sequence[str]


@dataclass(frozen=True)
class SkillsGapAnswer:
    gap: SkillsGap
    courses: list[CourseRecommendation]  # our published courses teaching what is missing


def check_skills(skills: Sequence[str]) -> tuple[str, ...]:
    if len(skills) > MAX_SKILLS:
        raise InvalidValue(f"at most {MAX_SKILLS} skills", "current_skills")
    return normalise_skills(tuple(skills))


class AssessSkillsGap:
    def __init__(self, uow: CareerUnitOfWork, advisor: CareerAdvisor,
                 allowance: AdvisorAllowance) -> None:
        self.uow, self.advisor, self.allowance = uow, advisor, allowance

    def __call__(self, cmd: SkillsGapCommand) -> SkillsGapAnswer:
        role = check_message(cmd.target_role, "target_role", 120)
        skills = check_skills(cmd.current_skills)
        gap = self.allowance.spend(cmd.actor.user_id, AdviceKind.SKILLS_GAP,
                                   self.advisor.provider,
                                   lambda: self.advisor.skills_gap(role, skills))
        with self.uow:
            courses = courses_teaching(self.uow, [m.name for m in gap.missing])
        return SkillsGapAnswer(gap, courses)
