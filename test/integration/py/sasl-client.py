"""confluent-kafka-python (librdkafka) over SASL, driven by test/integration/security.test.ts.

Usage: sasl-client.py BOOTSTRAP TOPIC COUNT PROTOCOL MECHANISM USER PASSWORD [CA_FILE]
Produces COUNT messages, reads them back through a consumer group (join, fetch, commit), and prints
{"produced": N, "consumed": N, "committed": N} on stdout. An authentication failure prints
{"error": "<librdkafka error name>"} and exits 0, so the test can tell a refusal from a crash.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer

bootstrap, topic, count, protocol, mechanism, user, password = sys.argv[1:8]
count = int(count)
security = {'security.protocol': protocol, 'sasl.mechanism': mechanism, 'sasl.username': user, 'sasl.password': password}
if len(sys.argv) > 8:
    security['ssl.ca.location'] = sys.argv[8]

errors = []


def on_error(err):
    if err.code() == KafkaError._AUTHENTICATION:
        errors.append(err.name())


producer = Producer({'bootstrap.servers': bootstrap, 'acks': 'all', 'error_cb': on_error, **security})
delivered = []
for i in range(count):
    producer.produce(topic, key=f'k{i % 13}', value=f'v{i}', on_delivery=lambda err, msg: delivered.append(err is None))
    producer.poll(0)
deadline = time.time() + 30
while len(delivered) < count and time.time() < deadline and not errors:
    producer.poll(0.1)
if errors:
    print(json.dumps({'error': errors[0]}))
    sys.exit(0)

consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': f'{topic}-group', 'auto.offset.reset': 'earliest',
                     'enable.auto.commit': False, 'error_cb': on_error, **security})
consumer.subscribe([topic])
seen = set()
deadline = time.time() + 60
while len(seen) < count and time.time() < deadline:
    msg = consumer.poll(0.5)
    if msg is None or msg.error():
        continue
    seen.add(msg.value().decode())
committed = 0
if seen:
    for tp in consumer.commit(asynchronous=False):
        if tp.error is None and tp.offset >= 0:
            committed += tp.offset
consumer.close()
print(json.dumps({'produced': sum(delivered), 'consumed': len(seen), 'committed': committed}))
