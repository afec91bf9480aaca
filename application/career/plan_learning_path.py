from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from application.career.allowance import AdvisorAllowance
from application.career.assess_skills_gap import check_skills
from application.career.ports import CareerAdvisor, CareerUnitOfWork, LearningPath, PathStep
from application.career.profiles import (
    CourseRecommendation,
    courses_teaching,
    student_profile,
)
from application.shared.ports import Principal
from domain.career.advice import AdviceKind, check_message


@dataclass(frozen=True)
class LearningPathCommand:
    actor: Principal
    target_role: str
    current_skills: Sequence[str] = ()


@dataclass(frozen=True)
class PlannedStep:
    step: PathStep
    courses: list[CourseRecommendation]  # our published courses for the step's skills


@dataclass(frozen=True)
class PlannedPath:
    path: LearningPath
    steps: list[PlannedStep]


class PlanLearningPath:
    """A path to ``target_role`` whose steps point at our own published courses. Without
    skills given, the student's profile (courses, latest CV) supplies them."""

    def __init__(self, uow: CareerUnitOfWork, advisor: CareerAdvisor,
                 allowance: AdvisorAllowance) -> None:
        self.uow, self.advisor, self.allowance = uow, advisor, allowance

    def __call__(self, cmd: LearningPathCommand) -> PlannedPath:
        role = check_message(cmd.target_role, "target_role", 120)
        skills = check_skills(cmd.current_skills)
        if not skills:
            with self.uow:
                skills = student_profile(self.uow, cmd.actor.user_id).skills
        path = self.allowance.spend(cmd.actor.user_id, AdviceKind.LEARNING_PATH,
                                    self.advisor.provider,
                                    lambda: self.advisor.learning_path(role, skills))
        with self.uow:
            steps = [PlannedStep(step, courses_teaching(self.uow, step.skills, 3))
                     for step in path.steps]
        return PlannedPath(path, steps)
