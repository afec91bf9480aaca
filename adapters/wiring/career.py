"""The career area's wiring: the advisor (Gemini when its key is set, otherwise the offline
rule-based one), the outside job board (JSearch when its key is set, otherwise none: local
postings answer alone), the CV reader, and the reactions to postings (the announcement,
new-job alerts), digests and applications."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from injector import Injector, provider, singleton

from adapters.outbound.persistence.career import SqlCareerUnitOfWork
from adapters.settings import Section, Settings, SettingsReader
from adapters.wiring.area import AreaModule
from adapters.wiring.choice import vendor_or_default
from application.career.allowance import AdvisorAllowance
from application.career.announce_job import AnnounceJob
from application.career.config import CareerPolicy, ConfiguredJobBoard
from application.career.match_job_alerts import MatchJobAlerts
from application.career.ports import CareerAdvisor, CareerUnitOfWork, CvReader
from application.career.tell_applicant import TellApplicant
from application.career.tell_company import TellCompany
from application.career.tell_student_of_jobs import TellStudentOfJobs
from application.shared.ports import Clock, IdGenerator
from domain.career.events import (
    ApplicationStatusChanged,
    JobApplicationSubmitted,
    JobDigestComposed,
    JobPosted,
)


@dataclass(frozen=True)
class CareerSettings:
    gemini_api_key: str | None = None
    gemini_model: str = "gemini-2.5-flash"
    gemini_base_url: str | None = None  # None: Google's own endpoint
    gemini_timeout_seconds: int = 30
    jsearch_api_key: str | None = None
    jsearch_api_base: str = "https://jsearch.p.rapidapi.com"
    jsearch_host: str = "jsearch.p.rapidapi.com"
    jsearch_default_location: str | None = None
    jsearch_default_country: str = "us"
    jsearch_default_search: str = "developer"
    jsearch_monthly_quota: int = 200
    jsearch_cache_seconds: int = 3600
    ai_daily_quota: int = 50
    ai_per_minute: int = 5
    cv_max_pages: int = 10
    job_digest_hour: int = 8

    @classmethod
    def read(cls, reader: SettingsReader) -> CareerSettings:
        return cls(
            gemini_api_key=reader.text("GEMINI_API_KEY"),
            gemini_model=reader.required("GEMINI_MODEL", "gemini-2.5-flash"),
            gemini_base_url=reader.url("GEMINI_BASE_URL", None, ("http", "https")),
            gemini_timeout_seconds=reader.integer("GEMINI_TIMEOUT_SECONDS", 30, 1),
            jsearch_api_key=reader.text("JSEARCH_API_KEY"),
            jsearch_api_base=reader.url("JSEARCH_API_BASE", "https://jsearch.p.rapidapi.com",
                                        ("http", "https")) or "https://jsearch.p.rapidapi.com",
            jsearch_host=reader.required("JSEARCH_API_HOST", "jsearch.p.rapidapi.com"),
            jsearch_default_location=reader.text("JSEARCH_DEFAULT_LOCATION"),
            jsearch_default_country=reader.required("JSEARCH_DEFAULT_COUNTRY", "us").lower(),
            jsearch_default_search=reader.required("JSEARCH_DEFAULT_SEARCH", "developer"),
            jsearch_monthly_quota=reader.integer("JSEARCH_MONTHLY_QUOTA", 200, 0),
            jsearch_cache_seconds=reader.integer("JSEARCH_CACHE_SECONDS", 3600, 1),
            ai_daily_quota=reader.integer("AI_DAILY_QUOTA", 50, 1),
            ai_per_minute=reader.integer("AI_PER_MINUTE", 5, 1),
            cv_max_pages=reader.integer("CV_MAX_PAGES", 10, 1),
            job_digest_hour=reader.integer("JOB_DIGEST_HOUR", 8, 0, 23))


class CareerModule(AreaModule):
    sections: Sequence[type[Section]] = (CareerSettings,)
    unit_of_work = (CareerUnitOfWork, SqlCareerUnitOfWork)
    handlers = {JobPosted: (("announce_job", AnnounceJob), ("match_job_alerts", MatchJobAlerts)),
                JobDigestComposed: (("tell_student_of_jobs", TellStudentOfJobs),),
                JobApplicationSubmitted: (("tell_company", TellCompany),),
                ApplicationStatusChanged: (("tell_applicant", TellApplicant),)}

    @singleton
    @provider
    def advisor(self, settings: Settings) -> CareerAdvisor:
        section = settings.section(CareerSettings)

        def gemini() -> CareerAdvisor:
            from adapters.outbound.career.gemini import GeminiCareerAdvisor

            return GeminiCareerAdvisor(section.gemini_api_key or "", section.gemini_model,
                                       section.gemini_base_url,
                                       section.gemini_timeout_seconds)

        def offline() -> CareerAdvisor:
            from adapters.outbound.career.offline import OfflineCareerAdvisor

            return OfflineCareerAdvisor()

        return vendor_or_default({"gemini": gemini if section.gemini_api_key else None},
                                 ("offline", offline))

    @singleton
    @provider
    def job_board(self, settings: Settings) -> ConfiguredJobBoard:
        section = settings.section(CareerSettings)
        if not section.jsearch_api_key:
            return ConfiguredJobBoard()
        from adapters.outbound.career.jsearch import JSearchJobSearch

        return ConfiguredJobBoard(JSearchJobSearch(
            section.jsearch_api_key, section.jsearch_api_base, section.jsearch_host,
            section.jsearch_default_country))

    @singleton
    @provider
    def cv_reader(self, settings: Settings) -> CvReader:
        from adapters.outbound.career.cv_text import DocumentCvReader

        return DocumentCvReader(max_pages=settings.section(CareerSettings).cv_max_pages)

    @singleton
    @provider
    def policy(self, settings: Settings) -> CareerPolicy:
        s = settings.section(CareerSettings)
        return CareerPolicy(daily_calls=s.ai_daily_quota, calls_per_minute=s.ai_per_minute,
                            search_cache_seconds=s.jsearch_cache_seconds,
                            monthly_searches=s.jsearch_monthly_quota,
                            default_search=s.jsearch_default_search,
                            default_location=s.jsearch_default_location,
                            default_country=s.jsearch_default_country,
                            digest_hour=s.job_digest_hour,
                            # A reply takes at most the vendor's timeout; a minute more for
                            # the rest of the request.
                            reply_lease=timedelta(seconds=s.gemini_timeout_seconds + 60))

    @provider
    def allowance(self, injector: Injector) -> AdvisorAllowance:
        # Not a singleton: each holds a unit of work of its own.
        return AdvisorAllowance(injector.get(CareerUnitOfWork), injector.get(Clock),
                                injector.get(IdGenerator), injector.get(CareerPolicy))
