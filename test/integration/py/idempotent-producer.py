#!/usr/bin/env python3
# A librdkafka idempotent producer (enable.idempotence=true) for the restart tests.
# Usage: idempotent-producer.py BOOTSTRAP TOPIC COUNT PER_TICK TICK_SECONDS
# Produces values "0".."COUNT-1" keyed over 97 accounts, PER_TICK messages every TICK_SECONDS, so that the
# test can restart the broker while messages are in flight. Prints JSON lines: {"sent": n, "delivered": n}
# after every tick, {"error": "..."} for client errors, and finally {"done": true, ...} after flush.
import json
import sys
import time

from confluent_kafka import Producer

bootstrap, topic = sys.argv[1:3]
count, per_tick, tick = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
delivered = 0
failed = []


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def on_delivery(err, _msg):
    global delivered
    if err is not None:
        failed.append(str(err))
    else:
        delivered += 1


producer = Producer({
    "bootstrap.servers": bootstrap,
    "enable.idempotence": True,
    "acks": "all",
    "linger.ms": 5,
    "message.timeout.ms": 60000,
    "reconnect.backoff.ms": 50,
    "reconnect.backoff.max.ms": 500,
    "retry.backoff.ms": 50,
    "error_cb": lambda err: emit({"error": str(err), "fatal": err.fatal()}),
})
for i in range(count):
    while True:
        try:
            producer.produce(topic, key=f"acct-{i % 97}", value=str(i), on_delivery=on_delivery)
            break
        except BufferError:
            producer.poll(0.05)
    producer.poll(0)
    if (i + 1) % per_tick == 0:
        emit({"sent": i + 1, "delivered": delivered})
        time.sleep(tick)
remaining = producer.flush(60)
emit({"done": True, "delivered": delivered, "failed": len(failed), "failures": failed[:5], "remaining": remaining})
