"""The role profiles shipped with eduport: what each role asks for, in the skills
taxonomy's names and levels. The offline advisor reads gaps, learning paths and role
suggestions from them; ``find_role`` turns what a person typed into a profile."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.career.skills import SKILLS, SkillLevel, normalise_skills

_B, _I, _A = SkillLevel.BASIC, SkillLevel.INTERMEDIATE, SkillLevel.ADVANCED


@dataclass(frozen=True)
class RoleProfile:
    title: str
    aliases: tuple[str, ...]
    skills: tuple[tuple[str, SkillLevel], ...]  # the most needed first

    @property
    def skill_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.skills)

    def top_skills(self, count: int = 3) -> tuple[str, ...]:
        """The ``count`` skills the role needs most (highest level, then profile order)."""
        ranked = sorted(enumerate(self.skills), key=lambda item: (-item[1][1], item[0]))
        return tuple(name for _, (name, _) in ranked[:count])


ROLES: tuple[RoleProfile, ...] = (
    RoleProfile("Backend developer",
                ("backend engineer", "server side developer", "python developer",
                 "api developer", "java developer"),
                (("Python", _A), ("REST APIs", _A), ("SQL", _I), ("Django", _I),
                 ("Git", _I), ("Docker", _I), ("Testing", _I), ("Linux", _B))),
    RoleProfile("Frontend developer",
                ("frontend engineer", "web developer", "react developer",
                 "javascript developer", "ui developer"),
                (("HTML", _A), ("CSS", _A), ("JavaScript", _A), ("TypeScript", _I),
                 ("React", _I), ("Responsive design", _I), ("Git", _I), ("Testing", _B))),
    RoleProfile("Full-stack developer",
                ("full stack engineer", "software developer", "software engineer",
                 "programmer"),
                (("JavaScript", _A), ("HTML", _I), ("CSS", _I), ("React", _I),
                 ("Node.js", _I), ("SQL", _I), ("REST APIs", _I), ("Git", _I),
                 ("Docker", _B))),
    RoleProfile("Data analyst",
                ("data analytics", "bi analyst", "business intelligence analyst",
                 "reporting analyst"),
                (("SQL", _A), ("Excel", _A), ("Data analysis", _A),
                 ("Data visualisation", _I), ("Power BI", _I), ("Statistics", _I),
                 ("Python", _B), ("Communication", _I))),
    RoleProfile("Data scientist",
                ("data science",),
                (("Python", _A), ("Statistics", _A), ("Machine learning", _A),
                 ("SQL", _I), ("Pandas", _I), ("NumPy", _I), ("Data visualisation", _I),
                 ("Deep learning", _B))),
    RoleProfile("Machine learning engineer",
                ("ml engineer", "ai engineer", "deep learning engineer"),
                (("Python", _A), ("Machine learning", _A), ("Deep learning", _I),
                 ("NumPy", _I), ("Docker", _I), ("Git", _I), ("SQL", _B), ("CI/CD", _B))),
    RoleProfile("Data engineer",
                ("etl developer", "big data engineer"),
                (("Python", _A), ("SQL", _A), ("ETL", _A), ("Spark", _I), ("AWS", _I),
                 ("Git", _I), ("Docker", _B))),
    RoleProfile("DevOps engineer",
                ("devops", "site reliability engineer", "sre", "platform engineer"),
                (("Linux", _A), ("Docker", _A), ("CI/CD", _A), ("Kubernetes", _I),
                 ("Terraform", _I), ("AWS", _I), ("Git", _I), ("Python", _B))),
    RoleProfile("Cloud engineer",
                ("cloud architect", "aws engineer", "azure engineer", "cloud administrator"),
                (("AWS", _A), ("Azure", _I), ("Terraform", _I), ("Linux", _I),
                 ("Networking", _I), ("Docker", _I), ("Google Cloud", _B),
                 ("Cybersecurity", _B))),
    RoleProfile("Mobile developer",
                ("android developer", "ios developer", "app developer", "mobile engineer"),
                (("Kotlin", _I), ("Swift", _I), ("Java", _I), ("REST APIs", _I),
                 ("Git", _I), ("UI design", _B), ("Testing", _B))),
    RoleProfile("QA engineer",
                ("qa tester", "software tester", "test engineer",
                 "quality assurance engineer", "test automation engineer"),
                (("Testing", _A), ("QA", _A), ("Python", _I), ("CI/CD", _I),
                 ("Agile", _I), ("Communication", _I), ("Git", _B), ("SQL", _B))),
    RoleProfile("UI/UX designer",
                ("ux designer", "ui designer", "product designer", "web designer",
                 "ux researcher"),
                (("UI design", _A), ("UX research", _A), ("Figma", _A), ("Prototyping", _I),
                 ("Graphic design", _I), ("Communication", _I), ("HTML", _B), ("CSS", _B))),
    RoleProfile("Product manager",
                ("product owner", "associate product manager"),
                (("Product management", _A), ("Agile", _A), ("Communication", _A),
                 ("UX research", _I), ("Data analysis", _I), ("Leadership", _I),
                 ("Problem solving", _I))),
    RoleProfile("Project manager",
                ("project coordinator", "program manager", "scrum master",
                 "delivery manager"),
                (("Project management", _A), ("Agile", _A), ("Communication", _A),
                 ("Leadership", _A), ("Time management", _A), ("Excel", _I),
                 ("Problem solving", _I))),
    RoleProfile("Digital marketer",
                ("digital marketing specialist", "marketing specialist", "seo specialist",
                 "social media manager", "content marketer", "growth marketer"),
                (("Digital marketing", _A), ("SEO", _A), ("Content writing", _I),
                 ("Data analysis", _I), ("Communication", _I), ("Graphic design", _B),
                 ("Excel", _B))),
    RoleProfile("Cybersecurity analyst",
                ("security analyst", "information security analyst", "soc analyst",
                 "security engineer", "penetration tester"),
                (("Cybersecurity", _A), ("Networking", _A), ("Linux", _I), ("Python", _I),
                 ("Problem solving", _I), ("AWS", _B), ("Communication", _B))),
    RoleProfile("Business analyst",
                ("business systems analyst", "requirements analyst", "systems analyst"),
                (("Excel", _A), ("Communication", _A), ("Problem solving", _A),
                 ("Data analysis", _I), ("SQL", _I), ("Agile", _I), ("Power BI", _B),
                 ("Project management", _B))),
    RoleProfile("Teacher",
                ("tutor", "teacher tutor", "instructor", "trainer", "lecturer", "educator",
                 "teaching assistant"),
                (("Teaching", _A), ("Communication", _A), ("Time management", _I),
                 ("Leadership", _I), ("Problem solving", _I), ("English", _I),
                 ("Content writing", _B))),
    RoleProfile("Accountant",
                ("bookkeeper", "accounting assistant", "financial accountant", "auditor",
                 "accounts assistant"),
                (("Accounting", _A), ("Excel", _A), ("Financial analysis", _I),
                 ("Time management", _I), ("Communication", _I), ("Problem solving", _I))),
    RoleProfile("Customer support specialist",
                ("customer service representative", "customer support agent",
                 "support agent", "help desk agent", "call centre agent"),
                (("Customer service", _A), ("Communication", _A), ("Problem solving", _I),
                 ("English", _I), ("Time management", _I), ("Teamwork", _I))),
)

# Roles a beginner can aim for with a few short courses: the suggestion when nothing fits.
ENTRY_ROLES: tuple[str, ...] = ("Customer support specialist", "Data analyst", "QA engineer")

# Words that say what kind of job, not which: an overlap on them alone is no match.
_GENERIC = frozenset({"developer", "engineer", "analyst", "manager", "designer", "specialist",
                      "senior", "junior", "lead", "officer", "consultant", "associate",
                      "intern", "entry", "level", "assistant", "agent", "representative",
                      "job", "role", "work", "career"})
_WORD = re.compile(r"[a-z0-9+#]+")


def _words(text: str) -> list[str]:
    words = []
    for word in _WORD.findall(text.lower()):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]  # "teachers" -> "teacher", "analysts" -> "analyst"
        words.append(word)
    return words


def _key(text: str) -> str:
    return " ".join(_words(text))


def _names(role: RoleProfile) -> tuple[str, ...]:
    return (role.title, *role.aliases)


_BY_KEY: dict[str, RoleProfile] = {}
_BY_COMPACT: dict[str, RoleProfile] = {}
for _role in ROLES:
    for _name in _names(_role):
        _BY_KEY.setdefault(_key(_name), _role)
        _BY_COMPACT.setdefault(_key(_name).replace(" ", ""), _role)


def find_role(title: str) -> RoleProfile | None:
    """The profile of the role ``title`` names: its title or an alias whatever the case,
    spacing or punctuation ("full stack developer", "Front-End Developer"), otherwise the
    role whose title or alias shares the most words with it (generic words such as
    "developer" alone match nothing), otherwise None."""
    key = _key(title[:200])
    if not key:
        return None
    found = _BY_KEY.get(key) or _BY_COMPACT.get(key.replace(" ", ""))
    if found is not None:
        return found
    given = set(key.split())
    best: tuple[tuple[int, float, int], RoleProfile] | None = None
    for order, role in enumerate(ROLES):
        for name in _names(role):
            words = set(_key(name).split())
            shared = given & words
            distinct = shared - _GENERIC
            if not distinct:
                continue
            # Distinctive words weigh double; then how much of the name is covered; then
            # the earlier role (the order of ROLES) for a deterministic answer.
            score = (2 * len(distinct) + len(shared - distinct), len(shared) / len(words),
                     -order)
            if best is None or score > best[0]:
                best = (score, role)
    return best[1] if best else None


def role_in_text(text: str) -> RoleProfile | None:
    """The role a free text names as a phrase ("... become a data scientist ..."): the
    longest title or alias found among its words, None when none is."""
    padded = f" {_key(text)} "
    best: tuple[int, RoleProfile] | None = None
    for role in ROLES:
        for name in _names(role):
            key = _key(name)
            if key and f" {key} " in padded and (best is None or len(key) > best[0]):
                best = (len(key), role)
    return best[1] if best else None


def coverage(role: RoleProfile, skills: Sequence[str]) -> float:
    """The part (0 to 1) of the role's skills, weighted by level, that ``skills`` name."""
    have = set(normalise_skills(tuple(skills)))
    total = sum(int(level) for _, level in role.skills)
    covered = sum(int(level) for name, level in role.skills if name in have)
    return covered / total if total else 0.0


def roles_for(skills: Sequence[str], limit: int = 3) -> list[tuple[RoleProfile, float]]:
    """The roles ``skills`` fit best with their weighted coverage (0 to 1), the best first,
    ties by title; roles none of the skills serve are left out."""
    if limit <= 0:
        return []
    scored = [(role, coverage(role, skills)) for role in ROLES]
    ranked = sorted((pair for pair in scored if pair[1] > 0),
                    key=lambda pair: (-pair[1], pair[0].title))
    return ranked[:limit]


def entry_roles() -> tuple[RoleProfile, ...]:
    return tuple(role for role in ROLES if role.title in ENTRY_ROLES)


def _check(roles: tuple[RoleProfile, ...]) -> None:
    known = {skill.name for skill in SKILLS}
    titles = [role.title for role in roles]
    if len(set(titles)) != len(titles):
        raise ValueError("two role profiles share a title")
    for role in roles:
        names = role.skill_names
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValueError(f"role {role.title!r} names skills outside the taxonomy: "
                             f"{unknown}")
        if len(set(names)) != len(names) or not 5 <= len(names) <= 9:
            raise ValueError(f"role {role.title!r} needs 5 to 9 distinct skills")
    if not set(ENTRY_ROLES) <= set(titles):
        raise ValueError("an entry role has no profile")


_check(ROLES)
