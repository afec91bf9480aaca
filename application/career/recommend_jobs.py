from __future__ import annotations

from dataclasses import dataclass

from application.career.allowance import AdvisorAllowance
from application.career.ports import CareerAdvisor, CareerUnitOfWork, JobQuery, SuggestedRole
from application.career.profiles import student_profile
from application.career.search_jobs import JobResults, SearchJobs
from application.shared.ports import Principal
from domain.career.advice import AdviceKind


@dataclass(frozen=True)
class RecommendJobsCommand:
    actor: Principal
    location: str | None = None
    remote_only: bool = False


@dataclass(frozen=True)
class JobRecommendations:
    roles: tuple[SuggestedRole, ...]
    jobs: JobResults  # real postings for the first role, here and on the outside board


class RecommendJobs:
    """Roles that fit the student's profile, and postings for the best of them."""

    def __init__(self, uow: CareerUnitOfWork, advisor: CareerAdvisor,
                 allowance: AdvisorAllowance, search: SearchJobs) -> None:
        self.uow, self.advisor, self.allowance, self.search = uow, advisor, allowance, search

    def __call__(self, cmd: RecommendJobsCommand) -> JobRecommendations:
        with self.uow:
            profile = student_profile(self.uow, cmd.actor.user_id)
        roles = self.allowance.spend(cmd.actor.user_id, AdviceKind.JOB_RECOMMENDATIONS,
                                     self.advisor.provider,
                                     lambda: self.advisor.suggest_roles(profile)).roles
        keyword = roles[0].title if roles else ""
        return JobRecommendations(roles, self.search(JobQuery(
            keyword, location=cmd.location, remote_only=cmd.remote_only)))
