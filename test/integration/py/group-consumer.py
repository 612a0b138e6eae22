#!/usr/bin/env python3
# One confluent-kafka (librdkafka) consumer group member for the interop tests.
# Usage: group-consumer.py BOOTSTRAP GROUP TOPIC
# Prints one JSON object per line: {"assigned": [...]} / {"revoked": [...]} on every rebalance,
# {"p": partition, "o": offset, "v": value} per message, {"error": "..."} for errors. SIGTERM closes the
# consumer (which commits its offsets and leaves the group) and exits.
import json
import signal
import sys

from confluent_kafka import Consumer

bootstrap, group, topic = sys.argv[1:4]
running = True


def stop(*_):
    global running
    running = False


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


signal.signal(signal.SIGTERM, stop)
consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "auto.offset.reset": "earliest",
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 500,
    "enable.auto.commit": True,
    "auto.commit.interval.ms": 1000,
    "error_cb": lambda err: emit({"error": str(err)}),
})
consumer.subscribe(
    [topic],
    on_assign=lambda c, parts: emit({"assigned": sorted(p.partition for p in parts)}),
    on_revoke=lambda c, parts: emit({"revoked": sorted(p.partition for p in parts)}),
)
while running:
    msg = consumer.poll(0.2)
    if msg is None:
        continue
    if msg.error():
        emit({"error": str(msg.error())})
        continue
    emit({"p": msg.partition(), "o": msg.offset(), "v": msg.value().decode()})
consumer.close()
emit({"closed": True})
