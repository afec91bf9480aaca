"""Settings are validated at start-up, and every problem names its variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.settings import ConfigurationError, Settings
from bootstrap import read_settings

ROOT = Path(__file__).resolve().parents[3]


def test_defaults_need_nothing_but_a_data_folder(tmp_path: Path) -> None:
    settings = Settings.from_env({"EDUPORT_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path}/eduport.sqlite3"
    assert settings.redis_url is None
    assert len(settings.jwt_secret) >= 32
    again = Settings.from_env({"EDUPORT_DATA_DIR": str(tmp_path)})
    assert again.jwt_secret == settings.jwt_secret  # kept across restarts


def test_every_problem_names_its_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as error:
        read_settings(
            {
                "EDUPORT_DATA_DIR": str(tmp_path),
                "JWT_SECRET": "short",
                "ACCESS_TOKEN_TTL_SECONDS": "soon",
                "REDIS_URL": "http://nope",
                "PAYPAL_MODE": "test",
                "CORS_ALLOWED_ORIGINS": "example.com",
                "STRIPE_WEBHOOK_TOLERANCE": "perhaps",
            }
        )
    text = str(error.value)
    for name in (
        "JWT_SECRET",
        "ACCESS_TOKEN_TTL_SECONDS",
        "REDIS_URL",
        "PAYPAL_MODE",
        "CORS_ALLOWED_ORIGINS",
        "STRIPE_WEBHOOK_TOLERANCE",
    ):
        assert name in text
    assert "short" not in text.replace("JWT_SECRET must be at least", "")


def test_production_requires_a_jwt_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="JWT_SECRET is required"):
        Settings.from_env({"EDUPORT_ENV": "production", "EDUPORT_DATA_DIR": str(tmp_path)})


def test_postgres_urls_are_accepted_in_the_forms_hosts_give(tmp_path: Path) -> None:
    for url in ("postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"):
        assert Settings.from_env({"DATABASE_URL": url, "JWT_SECRET": "x" * 32}).database_url == url


def test_env_example_documents_every_variable_the_settings_read() -> None:
    # The kernel's settings and every area's section (beside its wiring).
    source = "".join(path.read_text() for path in [ROOT / "adapters" / "settings.py",
                                                   *(ROOT / "adapters" / "wiring").glob("*.py")])
    read = set(re.findall(r'(?:self|reader)\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', source))
    assert {"JWT_SECRET", "STRIPE_SECRET", "MAIL_FROM", "ACCESS_TOKEN_TTL_SECONDS"} <= read
    example = (ROOT / ".env.example").read_text().splitlines()
    documented = {line.split("=", 1)[0] for line in example if re.match(r"^[A-Z][A-Z0-9_]*=", line)}
    assert read - documented == set()
    for index, line in enumerate(example):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line) and not example[index - 1].startswith("#"):
            name = line.split("=")[0]
            # Variables grouped under one comment (credential pairs) share it.
            assert any(example[j].startswith("#") for j in range(max(0, index - 4), index)), name


def test_logged_tracebacks_keep_only_the_exception_type() -> None:
    import logging

    from adapters.logging import JsonFormatter, TracebackScrubber

    try:
        raise RuntimeError("secret=sk_live_123")
    except RuntimeError:
        import traceback

        text = traceback.format_exc()
    record = logging.LogRecord("rq.worker", logging.ERROR, __file__, 1,
                               "job %s failed\n%s", ("j1", text), None)
    assert TracebackScrubber().filter(record)
    line = JsonFormatter().format(record)
    assert "job j1 failed [RuntimeError]" in line
    assert "sk_live_123" not in line and "Traceback" not in line


def test_exchange_rates_are_checked_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as error:
        read_settings({"EDUPORT_DATA_DIR": str(tmp_path), "EXCHANGE_RATES": "EGP:USD=cheap",
                       "EXCHANGE_RATES_AS_OF": "yesterday"})
    assert "EXCHANGE_RATES:" in str(error.value) and "EXCHANGE_RATES_AS_OF" in str(error.value)


def test_the_roles_that_must_verify_their_email_are_configurable(tmp_path: Path) -> None:
    base = {"EDUPORT_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(base, dotenv=False).verified_email_roles == ("teacher", "student")
    assert Settings.from_env({**base, "REQUIRE_VERIFIED_EMAIL": ""},
                             dotenv=False).verified_email_roles == ()
    assert Settings.from_env({**base, "REQUIRE_VERIFIED_EMAIL": " teacher "},
                             dotenv=False).verified_email_roles == ("teacher",)
    with pytest.raises(ConfigurationError, match="roles that do not exist: wizard"):
        Settings.from_env({**base, "REQUIRE_VERIFIED_EMAIL": "teacher,wizard"}, dotenv=False)
