from __future__ import annotations

from dataclasses import dataclass

from application.career.allowance import AdvisorAllowance
from application.career.ports import CareerAdvisor, CareerUnitOfWork, CvReader
from application.files.published import CvFiles
from application.shared.ports import Clock, IdGenerator, Principal
from domain.career.advice import AdviceKind, CvAnalysis, check_message
from domain.career.alerts import skill_keys
from domain.shared.errors import InvalidValue
from domain.shared.roles import Role

MAX_CV_CHARS = 30_000


@dataclass(frozen=True)
class AnalyzeCvCommand:
    actor: Principal
    cv_text: str | None = None
    cv_upload_id: str | None = None


class AnalyzeCV:
    """Reads a CV (pasted text, or the text of the student's uploaded PDF or DOCX), has the
    advisor analyse it, and keeps the analysis for the student. A student's new-job alerts
    match the skills of their latest CV."""

    def __init__(self, uow: CareerUnitOfWork, advisor: CareerAdvisor, reader: CvReader,
                 cvs: CvFiles, allowance: AdvisorAllowance, clock: Clock,
                 ids: IdGenerator) -> None:
        self.uow, self.advisor, self.reader, self.cvs = uow, advisor, reader, cvs
        self.allowance, self.clock, self.ids = allowance, clock, ids

    def __call__(self, cmd: AnalyzeCvCommand) -> CvAnalysis:
        if (cmd.cv_text is None) == (cmd.cv_upload_id is None):
            raise InvalidValue("send either cv_text or cv_upload_id", "cv_text")
        file_id, text = None, cmd.cv_text
        if cmd.cv_upload_id is not None:
            cv = self.cvs.keep(cmd.cv_upload_id, cmd.actor.user_id)
            file_id, text = cv.file_id, self.reader.text(self.cvs.read(cv), cv.content_type)
        text = check_message(text or "", "cv_text", MAX_CV_CHARS)
        review = self.allowance.spend(cmd.actor.user_id, AdviceKind.CV_ANALYSIS,
                                      self.advisor.provider,
                                      lambda: self.advisor.analyze_cv(text))
        analysis = CvAnalysis(self.ids.new_id(), cmd.actor.user_id, self.advisor.provider,
                              self.clock.now(), review.summary, review.strengths,
                              review.weaknesses, review.improvements, review.ats_tips,
                              review.skills, file_id)
        with self.uow:
            self.uow.analyses.add(analysis)
            if cmd.actor.role == Role.STUDENT:
                self.uow.skills.replace(cmd.actor.user_id, skill_keys(review.skills))
            self.uow.commit()
        return analysis
