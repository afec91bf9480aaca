"""The production task queue: RQ on Redis, with retries and backoff."""

from __future__ import annotations

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry

from domain.errors import DeliveryFailed

JOBS_MODULE = "adapters.inbound.worker.jobs"
BACKOFF_SECONDS = [10, 30, 120, 600, 1800]


class RqTaskQueue:
    def __init__(self, redis: Redis, queue_name: str) -> None:
        self._queue = Queue(queue_name, connection=redis)

    def enqueue(self, job: str, *args: str) -> None:
        try:
            self._queue.enqueue(
                f"{JOBS_MODULE}.{job}", *args,
                retry=Retry(max=len(BACKOFF_SECONDS), interval=BACKOFF_SECONDS),
                job_timeout=300, failure_ttl=30 * 24 * 3600,
            )
        except RedisError as error:
            raise DeliveryFailed("the job queue is unreachable") from error
