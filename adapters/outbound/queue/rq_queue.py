"""The production task queue: RQ on Redis, with retries and backoff."""

from __future__ import annotations

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry

from application.shared.errors import DeliveryFailed

JOBS_MODULE = "adapters.inbound.worker.jobs"
BACKOFF_SECONDS = [10, 30, 120, 600, 1800]


class RqTaskQueue:
    def __init__(self, redis: Redis, queue_name: str) -> None:
        self._redis = redis
        self._queue = Queue(queue_name, connection=redis)
        self._retry = Retry(max=len(BACKOFF_SECONDS), interval=BACKOFF_SECONDS)

    def enqueue(self, job: str, *args: str) -> None:
        try:
            # One MULTI/EXEC: the job's hash and its place in the queue land together, in one
            # round trip instead of two.
            with self._redis.pipeline() as pipeline:
                self._queue.enqueue_call(
                    f"{JOBS_MODULE}.{job}", args=args, retry=self._retry,
                    timeout=300, failure_ttl=30 * 24 * 3600, pipeline=pipeline,
                )
                pipeline.execute()
        except RedisError as error:
            raise DeliveryFailed("the job queue is unreachable") from error
