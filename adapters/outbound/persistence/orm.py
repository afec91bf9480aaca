"""Imperative mapping: the domain's dataclasses stay unaware of SQLAlchemy."""

from __future__ import annotations

import threading

from sqlalchemy.orm import composite, registry, relationship

from adapters.outbound.persistence import tables
from domain.accounts import User
from domain.catalog import Course, Lesson
from domain.enrollment import Enrollment
from domain.money import Money
from domain.payments import Order, OrderLine, Payment

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
            # Optimistic locking of the aggregate: the domain counts versions (every change
            # is one, lessons included) and the UPDATE names the version it read.
            version_id_col=tables.courses.c.version,
            version_id_generator=False,
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
        mapper_registry.map_imperatively(
            OrderLine,
            tables.order_lines,
            properties={"price": composite(Money, tables.order_lines.c.price_minor,
                                           tables.order_lines.c.price_currency)},
        )
        mapper_registry.map_imperatively(
            Order,
            tables.orders,
            properties={"lines": relationship(OrderLine, order_by=tables.order_lines.c.id,
                                              cascade="all, delete-orphan", lazy="selectin")},
        )
        p = tables.payments.c
        mapper_registry.map_imperatively(
            Payment,
            tables.payments,
            properties={
                "amount": composite(Money, p.amount_minor, p.amount_currency),
                "order_total": composite(Money, p.order_total_minor, p.order_total_currency),
            },
        )
        _started = True
