"""The production task queue: RQ on Redis. Jobs are not retried by RQ: a failed outbox
message or webhook delivery records its own next attempt, and the relay queues it when it is
due (``application.shared.leases``), so Redis and the embedded default retry alike."""

from __future__ import annotations

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from application.shared.errors import DeliveryFailed

JOBS_MODULE = "adapters.inbound.worker.jobs"


class RqTaskQueue:
    def __init__(self, redis: Redis, queue_name: str) -> None:
        self._redis = redis
        self._queue = Queue(queue_name, connection=redis)

    def enqueue(self, job: str, *args: str) -> None:
        try:
            # One MULTI/EXEC: the job's hash and its place in the queue land together, in one
            # round trip instead of two.
            with self._redis.pipeline() as pipeline:
                # result_ttl=0: a job returns nothing worth keeping (its outcome is on its
                # record), so the worker deletes the job on success instead of writing a
                # result and a finished-registry entry.
                self._queue.enqueue_call(
                    f"{JOBS_MODULE}.{job}", args=args, result_ttl=0,
                    timeout=300, failure_ttl=30 * 24 * 3600, pipeline=pipeline,
                )
                pipeline.execute()
        except RedisError as error:
            raise DeliveryFailed("the job queue is unreachable") from error
