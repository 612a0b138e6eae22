"""Creates one topic with confluent_kafka's AdminClient, for test/integration/many-partitions.test.ts.

Usage: create-topic.py BOOTSTRAP TOPIC PARTITIONS; prints {"error": null} or the Kafka error's name and
message.
"""
import json
import sys

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = AdminClient({'bootstrap.servers': bootstrap})
futures = client.create_topics([NewTopic(topic, partitions, 1)], operation_timeout=60, request_timeout=60)
try:
    futures[topic].result()
    print(json.dumps({'error': None}))
except KafkaException as exc:
    err = exc.args[0]
    print(json.dumps({'error': err.name(), 'message': err.str()}))
