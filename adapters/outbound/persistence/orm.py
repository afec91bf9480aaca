"""Imperative mapping: the domain's dataclasses stay unaware of SQLAlchemy."""

from __future__ import annotations

import threading

from sqlalchemy.orm import composite, registry, relationship

from adapters.outbound.persistence import tables
from domain.accounts import User
from domain.catalog import Course, Lesson
from domain.enrollment import Enrollment
from domain.money import Money

mapper_registry = registry()
_lock = threading.Lock()
_started = False


def start_mappers() -> None:
    """Maps the entities once per process; later calls do nothing."""
    global _started
    with _lock:
        if _started:
            return
        mapper_registry.map_imperatively(User, tables.users)
        mapper_registry.map_imperatively(Lesson, tables.lessons)
        mapper_registry.map_imperatively(
            Course,
            tables.courses,
            properties={
                "price": composite(
                    Money, tables.courses.c.price_minor, tables.courses.c.price_currency
                ),
                "lessons": relationship(
                    Lesson,
                    order_by=tables.lessons.c.position,
                    cascade="all, delete-orphan",
                    lazy="selectin",
                ),
            },
        )
        mapper_registry.map_imperatively(Enrollment, tables.enrollments)
        _started = True
