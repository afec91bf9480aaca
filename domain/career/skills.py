"""The skills taxonomy shipped with eduport: canonical names, the spellings people use for
them, and their families. The offline advisor, course matching and job alerts all read
skills from free text through it, so one CV, course or posting yields the same names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum


class SkillLevel(IntEnum):
    """How well a role needs a skill (ordered: a higher level covers a lower one)."""

    BASIC = 1
    INTERMEDIATE = 2
    ADVANCED = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Skill:
    name: str
    family: str
    aliases: tuple[str, ...] = ()


def _skills(family: str, *entries: str | tuple[str, ...]) -> list[Skill]:
    found = []
    for entry in entries:
        name, *aliases = (entry,) if isinstance(entry, str) else entry
        found.append(Skill(name, family, tuple(aliases)))
    return found


SKILLS: tuple[Skill, ...] = tuple(
    _skills("programming", "Python", ("JavaScript", "js", "ecmascript"),
            ("TypeScript", "ts"), "Java", ("C#", "csharp", "c sharp"), ("C++", "cpp"),
            ("Go", "golang"), "Rust", "PHP", "Ruby", "Kotlin", "Swift", "R", "Scala")
    + _skills("web", "HTML", "CSS", ("React", "react.js", "reactjs"),
              ("Vue", "vue.js", "vuejs"), "Angular", ("Node.js", "node", "nodejs"),
              "Django", "Flask", ("FastAPI", "fast api"), ("Spring", "spring boot"),
              "Laravel", ("REST APIs", "rest", "rest api", "restful"), "GraphQL",
              ("Responsive design", "responsive web design"))
    + _skills("data", ("SQL", "mysql", "postgresql", "postgres", "sqlite"),
              ("Pandas", "pandas"), "NumPy", ("Excel", "spreadsheets", "microsoft excel"),
              ("Power BI", "powerbi"), "Tableau",
              ("Data analysis", "data analytics", "analysing data", "analyzing data"),
              ("Data visualisation", "data visualization", "dashboards"),
              ("Statistics", "statistical analysis"),
              ("Machine learning", "ml", "scikit-learn", "sklearn"),
              ("Deep learning", "neural networks", "pytorch", "tensorflow"),
              ("ETL", "data pipelines"), ("Spark", "apache spark"))
    + _skills("infrastructure", ("Git", "github", "gitlab"), "Docker",
              ("Kubernetes", "k8s"), ("AWS", "amazon web services"),
              ("Azure", "microsoft azure"), ("Google Cloud", "gcp"), "Linux",
              ("CI/CD", "continuous integration", "continuous delivery"),
              ("Terraform", "infrastructure as code"),
              ("Networking", "tcp/ip"), ("Cybersecurity", "information security",
                                         "security"))
    + _skills("quality", ("Testing", "unit testing", "pytest", "jest", "test automation"),
              ("QA", "quality assurance"))
    + _skills("design", ("UI design", "user interface design"),
              ("UX research", "user research", "ux"), "Figma", "Prototyping",
              ("Graphic design", "photoshop", "illustrator"))
    + _skills("business", ("Project management", "pmp", "project planning"),
              ("Agile", "scrum", "kanban"), ("Product management", "product roadmap"),
              ("Digital marketing", "online marketing"), "SEO",
              ("Content writing", "copywriting"), ("Sales", "business development"),
              ("Accounting", "bookkeeping"), ("Financial analysis", "financial modelling",
                                              "financial modeling"),
              ("Customer service", "customer support"))
    + _skills("people", ("Communication", "presentation skills", "public speaking"),
              ("Teamwork", "collaboration"), ("Leadership", "team lead", "mentoring"),
              ("Problem solving", "critical thinking"), ("Teaching", "tutoring"),
              ("Time management", "organisation", "organization"),
              ("English", "business english"), ("Arabic", "arabic language")))

_BY_NAME = {skill.name.lower(): skill for skill in SKILLS}


def _pattern(spelling: str) -> str:
    # Word boundaries that also hold around "C#", "C++", "Node.js" and "CI/CD".
    return r"(?<![\w+#.])" + re.escape(spelling.lower()) + r"(?![\w+#])"


_SPELLINGS = sorted(((spelling, skill.name) for skill in SKILLS
                     for spelling in (skill.name, *skill.aliases)),
                    key=lambda pair: -len(pair[0]))
# One alternation, longest spelling first, so "spring boot" wins over "spring". The one-
# letter "R" and two-letter "Go" and "ts" are matched only case-sensitively (below).
_AMBIGUOUS = {"r", "go", "ts", "js", "ml", "ux"}
_MATCHER = re.compile("|".join(f"(?P<s{i}>{_pattern(spelling)})"
                               for i, (spelling, _) in enumerate(_SPELLINGS)
                               if spelling.lower() not in _AMBIGUOUS))
_CASED = re.compile(r"(?<![\w+#.])(R|Go|TS|JS|ML|UX)(?![\w+#])")
_CASED_NAMES = {"R": "R", "Go": "Go", "TS": "TypeScript", "JS": "JavaScript",
                "ML": "Machine learning", "UX": "UX research"}


def extract_skills(text: str) -> tuple[str, ...]:
    """The taxonomy's skills named in ``text``, in the order they first appear."""
    found: dict[str, None] = {}
    hits: list[tuple[int, str]] = []
    lowered = text.lower()
    for match in _MATCHER.finditer(lowered):
        group = match.lastgroup
        if group is not None:
            hits.append((match.start(), _SPELLINGS[int(group[1:])][1]))
    for match in _CASED.finditer(text):
        hits.append((match.start(), _CASED_NAMES[match.group(1)]))
    for _, name in sorted(hits):
        found.setdefault(name)
    return tuple(found)


def canonical(name: str) -> str | None:
    """The taxonomy's name of a skill given by a person ("reactjs" -> "React"), or None."""
    cleaned = " ".join(name.split())
    skill = _BY_NAME.get(cleaned.lower())
    if skill is not None:
        return skill.name
    named = extract_skills(cleaned)
    return named[0] if len(named) == 1 else None


def normalise_skills(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """People's skill names in the taxonomy's spelling where known, others kept as given
    (trimmed), without repeats."""
    kept: dict[str, None] = {}
    for name in names:
        cleaned = " ".join(name.split())[:60]
        if cleaned:
            kept.setdefault(canonical(cleaned) or cleaned)
    return tuple(kept)
