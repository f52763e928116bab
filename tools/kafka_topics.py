"""Create the platform's Kafka topics (shared/events/topics.py) if they do not exist yet.

    python -m tools.kafka_topics      uses LADDA_KAFKA_BOOTSTRAP_SERVERS and
                                      LADDA_KAFKA_REPLICATION_FACTOR (default 1)

Used by the local stack and by the Kubernetes `kafka-topics` Job. Existing topics are left as
they are (changing partitions of a keyed topic would reorder keys).
"""

from __future__ import annotations

import asyncio
import os
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError

from shared.events.topics import ALL_TOPICS


async def _existing_topics(bootstrap: str, wait_s: float) -> set[str]:
    deadline = time.monotonic() + wait_s
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            await admin.start()
            return set(await admin.list_topics())
        except KafkaConnectionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1)
        finally:
            await admin.close()


async def ensure_topics(
    bootstrap: str, *, replication_factor: int = 1, wait_s: float = 90
) -> list[str]:
    """Returns the names of the topics it created."""
    existing = await _existing_topics(bootstrap, wait_s)
    missing = [
        NewTopic(
            topic.name,
            num_partitions=topic.partitions,
            replication_factor=replication_factor,
            topic_configs=topic.config(),
        )
        for topic in ALL_TOPICS
        if topic.name not in existing
    ]
    if missing:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.create_topics(missing)
        finally:
            await admin.close()
    return [topic.name for topic in missing]


def main() -> None:
    bootstrap = os.environ.get("LADDA_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    replication = int(os.environ.get("LADDA_KAFKA_REPLICATION_FACTOR", "1"))
    created = asyncio.run(ensure_topics(bootstrap, replication_factor=replication))
    print(f"created topics: {', '.join(created) or 'none (all exist)'}")


if __name__ == "__main__":
    main()
