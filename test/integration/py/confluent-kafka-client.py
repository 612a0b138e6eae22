"""confluent-kafka-python (librdkafka) driven by test/integration/clients-confluent-kafka-python.test.ts.

Usage: confluent-kafka-client.py BOOTSTRAP COMMAND [ARGS...]; prints one JSON document on stdout.
kcat already covers librdkafka's producer and consumer from the command line; this adds its AdminClient
and the Python consumer with assign(). Binary keys, values and header values travel as hex.
"""
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic


def admin(bootstrap, topic):
    client = AdminClient({'bootstrap.servers': bootstrap})
    out = {}

    def create(new_topic, **kwargs):
        try:
            client.create_topics([new_topic], operation_timeout=5, **kwargs)[new_topic.topic].result()
            return 'ok'
        except KafkaException as err:
            return err.args[0].name()

    out['create'] = create(NewTopic(topic, num_partitions=4, replication_factor=1, config={'retention.ms': '600000'}))
    out['again'] = create(NewTopic(topic, num_partitions=1, replication_factor=1))
    out['compact'] = create(NewTopic(topic + '-compact', num_partitions=1, replication_factor=1, config={'cleanup.policy': 'compact'}))
    out['validateOnly'] = create(NewTopic(topic + '-validate', num_partitions=1, replication_factor=1), validate_only=True)
    md = client.list_topics(timeout=5)
    out['topics'] = sorted(md.topics)
    out['partitions'] = sorted(md.topics[topic].partitions)
    out['brokers'] = [f'{b.host}:{b.port}' for b in md.brokers.values()]
    configs = client.describe_configs([ConfigResource('topic', topic)])
    entries = next(iter(configs.values())).result()
    out['configs'] = {name: {'value': e.value, 'isDefault': e.is_default} for name, e in entries.items()}
    client.delete_topics([topic], operation_timeout=5)[topic].result()
    try:
        client.delete_topics([topic], operation_timeout=5)[topic].result()
        out['deleteAgain'] = 'ok'
    except KafkaException as err:
        out['deleteAgain'] = err.args[0].name()
    out['topicsAfter'] = sorted(client.list_topics(timeout=5).topics)
    return out


def names(bootstrap, topic):
    """CreateTopics refusals for names: '.' against '_' collisions and Kafka's internal topics."""
    client = AdminClient({'bootstrap.servers': bootstrap})
    out = {}
    for name in [topic, topic.replace('.', '_'), '__consumer_offsets', '__transaction_state']:
        try:
            client.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)], operation_timeout=5)[name].result()
            out[name] = {'error': 'ok'}
        except KafkaException as err:
            out[name] = {'error': err.args[0].name(), 'message': err.args[0].str()}
    out['topics'] = sorted(client.list_topics(timeout=5).topics)
    return out


def transactional(bootstrap, timeout):
    """init_transactions against a broker without transactions: how long until it fails, and how."""
    producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'ck-txn'})
    started = time.monotonic()
    try:
        producer.init_transactions(timeout)
        out = {'error': 'ok'}
    except KafkaException as err:
        e = err.args[0]
        out = {'error': e.name(), 'fatal': e.fatal(), 'retriable': e.retriable(), 'message': e.str()}
    out['seconds'] = time.monotonic() - started
    return out


def roundtrip(bootstrap, topic, count, compression):
    producer = Producer({'bootstrap.servers': bootstrap, 'compression.type': compression, 'linger.ms': 5, 'acks': 'all'})
    acked = {}

    # Delivery reports carry no headers, so each callback remembers its message's index.
    def on_delivery(i, err, msg):
        acked[i] = err.name() if err is not None else [msg.partition(), msg.offset()]

    for i in range(count):
        producer.produce(topic, key=b'acct-%d' % (i % 83), value=b'%s-%d-%s' % (compression.encode(), i, b'z' * (i % 29)),
                         headers=[('seq', str(i).encode())], on_delivery=lambda err, msg, i=i: on_delivery(i, err, msg))
        producer.poll(0)
    unflushed = producer.flush(15)

    # A short fetch wait: the watermark queries below queue behind the connection's pending long poll.
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'assign-only', 'enable.auto.commit': False, 'fetch.wait.max.ms': 100})
    partitions = sorted(consumer.list_topics(topic, timeout=5).topics[topic].partitions)
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    records = []
    deadline = time.monotonic() + 30
    while len(records) < count and time.monotonic() < deadline:
        for m in consumer.consume(1000, timeout=0.5):
            if m.error():
                raise KafkaException(m.error())
            records.append({'partition': m.partition(), 'offset': m.offset(), 'key': m.key().hex(), 'value': m.value().hex(),
                            'headers': [[k, v.hex()] for k, v in m.headers()]})
    watermarks = {p: list(consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=5)) for p in partitions}
    consumer.close()
    return {'unflushed': unflushed, 'acked': acked, 'records': records, 'watermarks': watermarks}


def main():
    bootstrap, command, *args = sys.argv[1:]
    if command == 'admin':
        result = admin(bootstrap, args[0])
    elif command == 'transactional':
        result = transactional(bootstrap, float(args[0]))
    elif command == 'names':
        result = names(bootstrap, args[0])
    elif command == 'roundtrip':
        result = roundtrip(bootstrap, args[0], int(args[1]), args[2])
    else:
        raise SystemExit(f'unknown command {command}')
    json.dump(result, sys.stdout)


if __name__ == '__main__':
    main()
