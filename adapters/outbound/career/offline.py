"""The offline advisor: rule-based answers from the skills taxonomy and the role profiles,
with no vendor behind it (no network, no tokens, ``TokenUsage()``). The same input always
gives the same answer. It reads a CV for standard sections, contact details (never echoed),
length, bullet lines with measurable results, action verbs and dates, and says what it
found in concrete sentences; chat answers by the intent its keywords show."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from application.career.ports import (
    ChatReply,
    ChatTurn,
    CvReview,
    LearningPath,
    MissingSkill,
    PathStep,
    RoleSuggestions,
    SkillsGap,
    StudentProfile,
    SuggestedRole,
    TokenUsage,
)
from domain.career.roles import (
    ROLES,
    RoleProfile,
    coverage,
    entry_roles,
    find_role,
    role_in_text,
    roles_for,
)
from domain.career.skills import SKILLS, SkillLevel, extract_skills, normalise_skills
from domain.shared.errors import InvalidValue

PROVIDER = "offline"
WEEKS = {SkillLevel.BASIC: 2, SkillLevel.INTERMEDIATE: 4, SkillLevel.ADVANCED: 6}
PORTFOLIO_WEEKS = 4
MAX_MESSAGE = 200  # the most of a chat message this advisor ever reads

_FAMILY = {skill.name: skill.family for skill in SKILLS}
_FAMILY_ORDER = {family: index for index, family in
                 enumerate(dict.fromkeys(skill.family for skill in SKILLS))}
_PRACTICE = {
    "programming": "write a small program every day and solve graded exercises",
    "web": "build a small page or API and put it online",
    "data": "work through a real public data set from question to chart",
    "infrastructure": "set it up on your own machine or a free cloud tier",
    "quality": "write tests for a small project of your own",
    "design": "redesign an existing screen and test it with two or three people",
    "business": "apply it to a real or simulated project and write up the result",
    "people": "practise it in a class, club or volunteer role and ask for feedback",
}

# --- CV reading -------------------------------------------------------------------------

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Summary", ("summary", "profile", "objective", "about me", "personal statement")),
    ("Experience", ("experience", "employment", "work history", "career history",
                    "internship")),
    ("Education", ("education", "academic", "qualification", "studies")),
    ("Skills", ("skill", "competenc", "technologies", "tech stack", "expertise")),
    ("Projects", ("project", "portfolio")),
    ("Certifications", ("certific", "licen", "courses", "training", "awards")),
)
_CORE = ("Experience", "Education", "Skills")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{6,}\d(?!\w)")
_YEAR_RANGE = re.compile(r"^(?:19|20)\d{2}\s*[-\u2013\u2014.]+\s*(?:19|20)\d{2}$")
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u25aa\u25cf\u25e6\u2023\u2013\u00b7>]|\d{1,2}[.)])\s+")
_YEAR = re.compile(r"(?<!\d)(19[6-9]\d|20\d{2})(?!\d)")
_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+"
                    r"(?:19|20)\d{2}\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_FIRST_PERSON = re.compile(r"\b(?:I|[Mm]y|[Mm]e)\b")
_WEAK = ("responsible for", "duties included", "worked on", "helped with", "tasks included",
         "involved in")
ACTION_VERBS = frozenset((
    "achieved", "analysed", "analyzed", "automated", "built", "coached", "collaborated",
    "completed", "configured", "coordinated", "created", "cut", "decreased", "defined",
    "delivered", "deployed", "designed", "developed", "directed", "doubled", "drove",
    "established", "evaluated", "expanded", "grew", "handled", "implemented", "improved",
    "increased", "integrated", "introduced", "launched", "led", "maintained", "managed",
    "mentored", "migrated", "modernised", "modernized", "negotiated", "optimised",
    "optimized", "organised", "organized", "presented", "produced", "published", "raised",
    "redesigned", "reduced", "refactored", "researched", "resolved", "saved", "scaled",
    "secured", "shipped", "simplified", "solved", "streamlined", "supervised", "supported",
    "taught", "tested", "trained", "translated", "tripled", "wrote",
))


@dataclass(frozen=True)
class CvFindings:
    """What the offline advisor read in a CV (contact details only as present or not)."""

    words: int
    sections: tuple[str, ...]
    skills: tuple[str, ...]
    has_email: bool
    has_phone: bool
    has_link: bool
    bullets: int
    quantified: int
    action_lines: int
    verbs: tuple[str, ...]
    weak_lines: int
    years: tuple[int, ...]
    month_dates: int
    first_person: int

    @property
    def missing_sections(self) -> tuple[str, ...]:
        return tuple(name for name, _ in SECTIONS if name not in self.sections)


def _heading(line: str) -> str | None:
    """The standard section a line heads ("WORK EXPERIENCE", "Skills:", "## Projects"),
    None when it is not a heading."""
    text = line.strip().strip("#*=_-:|~ \t").strip()
    head, colon, rest = line.strip().lstrip("#*=_-|~ \t").partition(":")
    if colon and rest.strip() and len(head.split()) <= 4:
        text = head  # "Skills: Python, SQL"
    elif len(text.split()) > 4 or len(text) > 40 or text.endswith((".", ",", ";")):
        return None
    lowered = " ".join(re.sub(r"[^a-z& ]", " ", text.lower()).split())
    if not lowered:
        return None
    for name, roots in SECTIONS:
        if any(root in lowered for root in roots):
            return name
    return None


def _has_phone(text: str) -> bool:
    for match in _PHONE.finditer(text):
        candidate = match.group(0).strip()
        digits = sum(char.isdigit() for char in candidate)
        if 8 <= digits <= 15 and not _YEAR_RANGE.match(candidate):
            return True
    return False


def _quantified(line: str) -> bool:
    body = _BULLET.sub("", line)
    if "%" in body or re.search(r"[$\u20ac\u00a3]\s?\d", body):
        return True
    return any(not _YEAR.fullmatch(number) for number in _NUMBER.findall(body))


def read_cv(cv_text: str) -> CvFindings:
    lines = [line for line in cv_text.splitlines() if line.strip()]
    sections: dict[str, None] = {}
    for line in lines:
        found = _heading(line)
        if found is not None:
            sections.setdefault(found)
    bullets = [line for line in lines if _BULLET.match(line)]
    # Without bullets, the sentences (lines of six words or more) stand for them.
    statements = bullets or [line for line in lines if len(line.split()) >= 6]
    verbs: dict[str, None] = {}
    action_lines = 0
    for line in statements:
        first = _BULLET.sub("", line).strip().split(maxsplit=1)
        word = first[0].lower().strip(",.;:") if first else ""
        if word in ACTION_VERBS:
            action_lines += 1
            verbs.setdefault(word)
    lowered = cv_text.lower()
    return CvFindings(
        words=len(cv_text.split()),
        sections=tuple(name for name, _ in SECTIONS if name in sections),
        skills=extract_skills(cv_text),
        has_email=_EMAIL.search(cv_text) is not None,
        has_phone=_has_phone(cv_text),
        has_link=any(site in lowered for site in ("linkedin.com", "github.com", "gitlab.com")),
        bullets=len(statements),
        quantified=sum(1 for line in statements if _quantified(line)),
        action_lines=action_lines,
        verbs=tuple(verbs),
        weak_lines=sum(1 for line in lines if any(p in line.lower() for p in _WEAK)),
        years=tuple(sorted({int(year) for year in _YEAR.findall(cv_text)})),
        month_dates=len(_MONTH.findall(cv_text)),
        first_person=len(_FIRST_PERSON.findall(cv_text)),
    )


def _listing(names: Sequence[str], most: int = 6) -> str:
    shown = list(names[:most])
    if len(names) > most:
        return ", ".join(shown) + f" and {len(names) - most} more"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _few(count: int, total: int, does: str) -> str:
    """"Only 1 of 9 bullet lines shows a measurable result", and the cases of 0 and 1."""
    if count == 0:
        if total == 1:  # "none of" already negates: only the one line's sentence says "no"
            return "The one bullet line " + does.replace("shows a", "shows no").replace(
                "opens with an", "opens with no") + "."
        return f"None of the {total} bullet lines {does}."
    return f"Only {count} of {total} bullet lines {does}."


def lower_title(title: str) -> str:
    """A role title inside a sentence: "Data analyst" -> "data analyst", "DevOps engineer"
    and "QA engineer" kept."""
    first = title.split(" ", 1)[0]
    rest = first[1:].replace("-", "")
    if first[:1].isupper() and rest.isalpha() and rest.islower():
        return title[0].lower() + title[1:]
    return title


def _by_family(skills: Sequence[str]) -> str:
    groups: dict[str, list[str]] = {}
    for name in skills:
        groups.setdefault(_FAMILY.get(name, "other"), []).append(name)
    return "; ".join(f"{family}: {', '.join(names)}" for family, names in groups.items())


def _strengths(cv: CvFindings) -> list[str]:
    found: list[str] = []
    if len(cv.skills) >= 3:
        found.append(f"Names {_plural(len(cv.skills), 'skill')} from the taxonomy: "
                     f"{_listing(cv.skills, 8)}.")
    present_core = [name for name in _CORE if name in cv.sections]
    if present_core:
        found.append(f"Uses standard headings ATS parsers look for: {_listing(present_core)}.")
    if "Projects" in cv.sections:
        found.append("Has a Projects section, which shows the skills applied to real work.")
    if "Certifications" in cv.sections:
        found.append("Lists certifications or courses that back up the skills it names.")
    if cv.has_email and cv.has_phone:
        found.append("Contact details are present: an email address and a phone number.")
    elif cv.has_email:
        found.append("An email address is present, so a recruiter can reply.")
    if cv.has_link:
        found.append("Links a LinkedIn or code-hosting profile a recruiter can check.")
    if cv.bullets and cv.quantified * 2 >= cv.bullets:
        found.append(f"{cv.quantified} of {_plural(cv.bullets, 'bullet line')} show a "
                     "measurable result.")
    if cv.action_lines >= 2:
        found.append(f"{cv.action_lines} lines open with an action verb "
                     f"({_listing(cv.verbs, 5)}).")
    if len(cv.years) >= 2:
        found.append(f"Dates give a timeline from {cv.years[0]} to {cv.years[-1]}.")
    if 250 <= cv.words <= 900:
        found.append(f"Its length ({cv.words} words) suits a one- to two-page CV.")
    if not found:
        found.append("It is plain text, which every applicant tracking system can read: "
                     "the structure below is what to add.")
    return found


def _weaknesses(cv: CvFindings) -> list[str]:
    found: list[str] = []
    for name in _CORE:
        if name not in cv.sections:
            found.append(f"No {name} section: ATS parsers look for standard headings.")
    if "Summary" not in cv.sections:
        found.append("No Summary or Profile section: recruiters read the top of the page "
                     "first and it is missing a pitch.")
    if not cv.skills:
        found.append("Names no skill the taxonomy knows, so keyword searches will miss it.")
    elif len(cv.skills) < 3:
        found.append(f"Names only {_plural(len(cv.skills), 'skill')} from the taxonomy "
                     f"({_listing(cv.skills)}): keyword searches will rank it low.")
    if not cv.has_email:
        found.append("No email address: a recruiter has no way to reply.")
    if not cv.has_phone:
        found.append("No phone number: many recruiters call before they email.")
    if not cv.bullets:
        found.append("No bullet lines or achievement sentences: results are hard to scan.")
    elif cv.quantified * 2 < cv.bullets:
        found.append(_few(cv.quantified, cv.bullets, "shows a measurable result"))
    if cv.bullets and cv.action_lines * 2 < cv.bullets:
        found.append(_few(cv.action_lines, cv.bullets, "opens with an action verb"))
    if cv.weak_lines:
        uses = "line uses" if cv.weak_lines == 1 else "lines use"
        found.append(f"{cv.weak_lines} {uses} passive phrasing such as 'responsible for' or "
                     "'worked on' instead of saying what was achieved.")
    if not cv.years:
        found.append("No dates: a reader cannot tell when or for how long anything happened.")
    if cv.words < 150:
        found.append(f"Very short ({cv.words} words): too little for a reader to judge.")
    elif cv.words > 1100:
        found.append(f"Long ({cv.words} words): most readers skim only the first page.")
    if cv.first_person >= 3:
        found.append(f"Uses first-person words ('I', 'my') {cv.first_person} times; CVs "
                     "usually leave them out.")
    if not found:
        found.append("Nothing major is missing; the remaining gains are in tailoring it to "
                     "each posting.")
    return found


def _improvements(cv: CvFindings) -> list[str]:
    found: list[str] = []
    top = _listing(cv.skills[:3]) or "the role's key skills"
    if "Summary" not in cv.sections:
        found.append(f"Open with a two- or three-line summary naming the role you want and "
                     f"your strongest skills ({top}).")
    if "Experience" not in cv.sections:
        found.append("Add an Experience section (jobs, internships, volunteering), newest "
                     "first, each with title, organisation and dates.")
    if "Education" not in cv.sections:
        found.append("Add an Education section with the degree or course, the institution "
                     "and the year.")
    if "Skills" not in cv.sections:
        found.append("Add a Skills section that lists your skills by their common names "
                     "(for example Python, SQL, Excel, Communication).")
    elif cv.skills:
        found.append(f"Group the Skills section by family: {_by_family(cv.skills)}.")
    if not cv.bullets or cv.quantified * 2 < cv.bullets:
        found.append("Rewrite each bullet as action plus result with a number, e.g. "
                     "'Cut report time by 30% by automating the weekly SQL extract'.")
    if not cv.bullets or cv.action_lines * 2 < cv.bullets or cv.weak_lines:
        found.append("Start each bullet with a past-tense action verb such as Built, Led, "
                     "Improved or Automated.")
    if "Projects" not in cv.sections:
        found.append(f"Add a Projects section with two or three projects that use {top}, "
                     "each with a link or a one-line result.")
    if not cv.years or (cv.years and not cv.month_dates):
        found.append("Give each role and degree start and end dates, month and year "
                     "(e.g. 'Sep 2022 - Jun 2024').")
    if not cv.has_email or not cv.has_phone:
        found.append("Put an email address and a phone number at the top.")
    if not found:
        found.append("Tailor the summary and the order of your skills to each posting you "
                     "apply for.")
    return found


def _ats_tips(cv: CvFindings) -> list[str]:
    missing = [name for name in _CORE if name not in cv.sections]
    tips = [
        "Keep standard headings (Experience, Education, Skills)"
        + (f": this CV lacks {_listing(missing)}." if missing
           else ": this CV has them, so keep their wording."),
        "Mirror the posting's wording for the skills you have: ATS match exact terms such "
        "as 'Python' or 'SQL'.",
        "Use a single column without tables, text boxes or images: parsers read text in "
        "order and skip graphics.",
        "Send a text-based PDF or DOCX, not a scanned image, and name the file after "
        "yourself and the role.",
    ]
    if not cv.has_email or not cv.has_phone:
        tips.append("Write contact details in the body, not in the page header or footer: "
                    "some parsers skip those.")
    if cv.years and not cv.month_dates:
        tips.append("Write dates as month and year in one format throughout; ATS compute "
                    "experience from them.")
    if any(name in cv.skills for name in ("CI/CD", "SQL", "SEO", "ETL", "QA")):
        tips.append("Write an acronym and its full form once (e.g. 'SEO (search engine "
                    "optimisation)') so either search finds it.")
    return tips


# --- the advisor ------------------------------------------------------------------------

_INTENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cv", ("cv", "resume", "r\u00e9sum\u00e9", "curriculum", "cover letter", "ats")),
    ("interview", ("interview", "interviewer", "interviewing")),
    ("salary", ("salary", "salaries", "pay", "paid", "wage", "compensation", "negotiate",
                "negotiation", "raise")),
    ("skills", ("skill", "skills", "learn", "learning", "course", "courses", "study",
                "roadmap", "improve", "practice", "practise")),
    ("career", ("career", "role", "roles", "switch", "change", "become", "transition",
                "path", "suit", "fit")),
    ("jobs", ("job", "jobs", "apply", "applying", "application", "vacancy", "vacancies",
              "opening", "openings", "hiring", "internship", "employer", "search")),
)
_TOKEN = re.compile(r"[a-z\u00e9]+")


def _intent(message: str) -> str:
    lowered = message.lower()
    tokens = set(_TOKEN.findall(lowered))
    for name, keys in _INTENTS:
        if any((key in lowered) if " " in key else (key in tokens) for key in keys):
            return name
    return "general"


def _unknown_role() -> InvalidValue:
    known = ", ".join(role.title for role in ROLES[:6])
    return InvalidValue(f"no role profile matches that title; known roles include {known}",
                        "target_role")


def _role(target_role: str) -> RoleProfile:
    role = find_role(target_role)
    if role is None:
        raise _unknown_role()
    return role


def _step_title(names: Sequence[str]) -> str:
    return "Learn " + _listing(names, 4)


class OfflineCareerAdvisor:
    """A ``CareerAdvisor`` with no vendor: deterministic, free, always available."""

    provider = PROVIDER

    # -- CV --------------------------------------------------------------------------
    def analyze_cv(self, cv_text: str) -> CvReview:
        cv = read_cv(cv_text)
        core = sum(1 for name in _CORE if name in cv.sections)
        summary = (f"A {cv.words}-word CV with {core} of 3 core sections, "
                   f"{_plural(len(cv.skills), 'recognised skill')} and "
                   f"{cv.quantified} of {_plural(cv.bullets, 'bullet line')} quantified.")
        return CvReview(summary=summary, strengths=tuple(_strengths(cv)),
                        weaknesses=tuple(_weaknesses(cv)),
                        improvements=tuple(_improvements(cv)),
                        ats_tips=tuple(_ats_tips(cv)), skills=cv.skills, usage=TokenUsage())

    # -- gaps and paths --------------------------------------------------------------
    def _gap(self, role: RoleProfile, current_skills: Sequence[str]) -> SkillsGap:
        have = set(normalise_skills(tuple(current_skills)))
        matching = tuple(name for name, _ in role.skills if name in have)
        missing = tuple(
            MissingSkill(name, level, f"{role.title} work needs {name} at {level.label} level")
            for name, level in role.skills if name not in have)
        return SkillsGap(role.title, matching, missing, TokenUsage())

    def skills_gap(self, target_role: str, current_skills: Sequence[str]) -> SkillsGap:
        return self._gap(_role(target_role), current_skills)

    def learning_path(self, target_role: str, current_skills: Sequence[str]) -> LearningPath:
        role = _role(target_role)
        gap = self._gap(role, current_skills)
        groups: dict[tuple[int, int, str], list[MissingSkill]] = {}
        for missing in gap.missing:
            family = _FAMILY.get(missing.name, "other")
            key = (int(missing.level_needed), _FAMILY_ORDER.get(family, 99), family)
            groups.setdefault(key, []).append(missing)
        steps: list[PathStep] = []
        for (_, _, family), skills in sorted(groups.items()):
            level = skills[0].level_needed
            names = [skill.name for skill in skills]
            steps.append(PathStep(
                title=_step_title(names),
                description=(f"Reach {level.label} level in {_listing(names)}, as "
                             f"{role.title} work asks: {_PRACTICE.get(family, 'practise it')}."),
                weeks=WEEKS[level] * len(names),
                skills=tuple(names)))
        top = role.top_skills(4)
        steps.append(PathStep(
            title="Build a portfolio project",
            description=(f"Build one project a {lower_title(role.title)} would deliver, using "
                         f"{_listing(top)}; publish it with a short write-up of your "
                         "choices and link it from your CV."),
            weeks=PORTFOLIO_WEEKS, skills=top))
        return LearningPath(role.title, tuple(steps), TokenUsage())

    # -- roles -----------------------------------------------------------------------
    def suggest_roles(self, profile: StudentProfile) -> RoleSuggestions:
        skills = self._profile_skills(profile)
        suggested: list[SuggestedRole] = []
        for role, share in roles_for(skills, 3):
            have = set(skills)
            matched = [name for name in role.skill_names if name in have]
            next_up = [name for name in role.top_skills(9) if name not in have][:2]
            reason = (f"Your skills cover {round(share * 100)}% of what a "
                      f"{lower_title(role.title)} needs: {_listing(matched)}.")
            if next_up:
                reason += f" Next to learn: {_listing(next_up)}."
            suggested.append(SuggestedRole(role.title, reason, role.skill_names))
        taken = {role.title for role in suggested}
        for role in entry_roles():
            if len(suggested) >= 3:
                break
            if role.title not in taken:
                suggested.append(SuggestedRole(
                    role.title,
                    f"An entry role open to beginners: it builds on {_listing(role.top_skills(3))}"
                    ", which short courses can teach.",
                    role.skill_names))
        return RoleSuggestions(tuple(suggested), TokenUsage())

    @staticmethod
    def _profile_skills(profile: StudentProfile, extra: Sequence[str] = ()) -> list[str]:
        named: list[str] = list(normalise_skills(tuple(profile.skills)))
        for title in profile.courses:
            named.extend(extract_skills(title[:200]))
        named.extend(extra)
        return list(dict.fromkeys(named))

    # -- chat ------------------------------------------------------------------------
    def chat(self, profile: StudentProfile, history: Sequence[ChatTurn],
             message: str) -> ChatReply:
        text = message[:MAX_MESSAGE]
        asked = extract_skills(text)
        role = role_in_text(text) or (find_role(text) if len(text.split()) <= 6 else None)
        if role is None:  # the role the student spoke of earlier, the latest first
            for turn in reversed(history):
                if turn.role == "user":
                    role = role_in_text(turn.text[:MAX_MESSAGE])
                    if role is not None:
                        break
        mine = self._profile_skills(profile)
        intent = _intent(text)
        answer = {
            "cv": self._on_cv, "interview": self._on_interview, "salary": self._on_salary,
            "skills": self._on_skills, "career": self._on_career, "jobs": self._on_jobs,
        }.get(intent, self._on_general)(profile, role, asked, mine)
        return ChatReply(" ".join(answer), TokenUsage())

    def _on_cv(self, profile: StudentProfile, role: RoleProfile | None,
               asked: Sequence[str], mine: Sequence[str]) -> list[str]:
        said = ["Keep standard headings (Summary, Experience, Education, Skills) so that "
                "applicant tracking systems read your CV, and start each bullet with an "
                "action verb and a measurable result."]
        if role is not None:
            said.append(f"For a {lower_title(role.title)} CV, put {_listing(role.top_skills(3))} "
                        "near the top where you have them, and a project that shows them.")
        shown = list(dict.fromkeys([*asked, *mine]))
        if shown:
            said.append(f"Name your skills the way employers write them: {_listing(shown, 5)}.")
        said.append("You can also paste or upload your CV here for a full review.")
        return said

    def _on_interview(self, profile: StudentProfile, role: RoleProfile | None,
                      asked: Sequence[str], mine: Sequence[str]) -> list[str]:
        said = ["Prepare four or five STAR stories (situation, task, action, result) from "
                "your studies, projects or jobs, each ending with a result you can measure."]
        if role is not None:
            said.append(f"A {lower_title(role.title)} interview usually tests "
                        f"{_listing(role.top_skills(3))}: revise them with short exercises "
                        "and be ready to walk through a project step by step.")
        focus = list(asked) or list(mine)
        if focus:
            said.append(f"Have one concrete example ready of how you used {_listing(focus, 3)}.")
        said.append("Research the company, and prepare two questions to ask the interviewer.")
        return said

    def _on_salary(self, profile: StudentProfile, role: RoleProfile | None,
                   asked: Sequence[str], mine: Sequence[str]) -> list[str]:
        said = ["Pay depends on the country, the city, the company and the seniority, so "
                "check recent postings and salary surveys for your location before you name "
                "a number."]
        if role is not None:
            said.append(f"For {lower_title(role.title)} roles, showing "
                        f"{_listing(role.top_skills(2))} at an advanced level is what usually "
                        "moves an offer up.")
        said.append("Give a researched range rather than one figure, let the employer make "
                    "the first offer where you can, and weigh training, benefits and "
                    "flexibility alongside pay.")
        return said

    def _gap_sentences(self, role: RoleProfile, skills: Sequence[str]) -> list[str]:
        gap = self._gap(role, skills)
        said = []
        if gap.matching:
            said.append(f"For {lower_title(role.title)} work you already have "
                        f"{_listing(gap.matching)}.")
        if gap.missing:
            ordered = sorted(gap.missing, key=lambda m: int(m.level_needed))
            listed = ", ".join(f"{m.name} ({m.level_needed.label})" for m in ordered[:4])
            said.append(f"The skills to learn next are {listed}.")
            first = ordered[0]
            said.append(f"Start with {first.name}: about {WEEKS[first.level_needed]} weeks "
                        "of regular practice, then build a small project with it.")
        else:
            said.append(f"You name every skill a {lower_title(role.title)} needs: deepen the "
                        "advanced ones and build a portfolio project.")
        return said

    def _on_skills(self, profile: StudentProfile, role: RoleProfile | None,
                   asked: Sequence[str], mine: Sequence[str]) -> list[str]:
        if role is not None:
            return self._gap_sentences(role, mine)
        said = []
        if asked:
            said.append(f"To learn {_listing(asked, 3)}, combine one structured course with a "
                        "small project of your own, and practise a little every day.")
            users = [found for found, _ in roles_for(asked, 2)]
            if users:
                said.append(f"{_listing(asked, 3)} is used most in "
                            f"{_listing([lower_title(r.title) for r in users])} roles.")
        fits = roles_for(mine, 1)
        if fits:
            said.extend(self._gap_sentences(fits[0][0], mine))
        if not said:
            said.append("Tell me the role you are aiming for (for example data analyst or "
                        "frontend developer) and I can list the skills it needs and a "
                        "learning path.")
        return said

    def _on_career(self, profile: StudentProfile, role: RoleProfile | None,
                   asked: Sequence[str], mine: Sequence[str]) -> list[str]:
        said: list[str] = []
        skills = list(dict.fromkeys([*mine, *asked]))
        if role is not None:
            share = round(coverage(role, skills) * 100)
            if share:
                said.append(f"Your skills cover about {share}% of what a "
                            f"{lower_title(role.title)} needs.")
                said.extend(self._gap_sentences(role, skills)[1:])
            else:
                said.append(f"You name none of the skills a {lower_title(role.title)} needs "
                            f"yet; it asks most for {_listing(role.top_skills(3))}.")
        fits = [found for found in roles_for(skills, 3) if found[0] != role]
        if fits:
            listed = ", ".join(f"{lower_title(found.title)} ({round(share * 100)}%)"
                               for found, share in fits)
            said.append(f"Based on your skills ({_listing(skills, 4)}), the closest roles are "
                        f"{listed}.")
        elif role is None:
            said.append("Entry roles such as "
                        f"{_listing([lower_title(r.title) for r in entry_roles()])} need few "
                        "skills to start; a couple of short courses can open them.")
        said.append("A change goes faster with one project in the new field and with the "
                    "skills you already have, such as communication and problem solving.")
        return said

    def _on_jobs(self, profile: StudentProfile, role: RoleProfile | None,
                 asked: Sequence[str], mine: Sequence[str]) -> list[str]:
        skills = list(dict.fromkeys([*asked, *mine]))
        said = []
        target = role or (roles_for(skills, 1)[0][0] if roles_for(skills, 1) else None)
        if target is not None:
            others = _listing([f"'{alias}'" for alias in target.aliases[:2]])
            said.append(f"Search for '{lower_title(target.title)}'"
                        + (f" and its other titles ({others})" if others else "")
                        + ", and filter by date posted so that you apply early.")
        else:
            said.append("Search by role title and filter by date posted so that you apply "
                        "early.")
        if skills:
            said.append(f"Add your strongest skills ({_listing(skills, 3)}) to the search and "
                        "to your CV summary.")
        said.append("Tailor your CV to each posting, keep a list of your applications, and "
                    "follow up politely after a week.")
        return said

    def _on_general(self, profile: StudentProfile, role: RoleProfile | None,
                    asked: Sequence[str], mine: Sequence[str]) -> list[str]:
        said = ["I can help with your CV, interview preparation, the skills a role needs, a "
                "learning path, salary questions or your job search."]
        if role is not None:
            said.append(f"A {lower_title(role.title)} needs {_listing(role.top_skills(4))} most.")
        if profile.courses:
            titles = _listing([f"'{title[:80]}'" for title in profile.courses[:2]])
            said.append(f"Your courses ({titles}) are a good base to build on.")
        elif mine:
            said.append(f"Your skills ({_listing(mine, 4)}) are a good base to build on.")
        said.append("Ask me, for example, which skills you need to become a data analyst.")
        return said
