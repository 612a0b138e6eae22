"""kafka-python 2.0.2 driven by test/integration/clients-kafka-python.test.ts.

Usage: kafka-python-client.py BOOTSTRAP COMMAND [ARGS...]; prints one JSON document on stdout.
No api_version is given (kafka-python must probe the broker and infer a version by itself), except by
legacy-lag, which pins an old one to send ListOffsets v0.
Binary keys, values and header values travel as hex so the test compares exact bytes.
"""
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import KafkaError


def error_name(err):
    return type(err).__name__


def admin(bootstrap, topic):
    client = KafkaAdminClient(bootstrap_servers=bootstrap, client_id='kafka-python-admin')
    out = {'apiVersion': list(client.config['api_version'])}
    res = client.create_topics([NewTopic(topic, 3, 1, topic_configs={'retention.ms': '7200000'})])
    out['create'] = [[t, code] for t, code, *_ in res.topic_errors]
    for name, args in [('again', (topic, 3, 1)), ('rf3', (topic + '-rf3', 1, 3))]:
        try:
            client.create_topics([NewTopic(*args)])
            out[name] = 'ok'
        except KafkaError as err:
            out[name] = error_name(err)
    out['topics'] = sorted(client.list_topics())
    described = client.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    entries = described[0].resources[0][4]
    out['configs'] = {e[0]: {'value': e[1], 'source': e[3]} for e in entries}
    broker = client.describe_configs([ConfigResource(ConfigResourceType.BROKER, '1')])
    out['brokerConfigs'] = {e[0]: e[1] for e in broker[0].resources[0][4]}
    cluster = client.describe_cluster()
    out['cluster'] = {'controller': cluster['controller_id'], 'brokers': [f"{b['host']}:{b['port']}" for b in cluster['brokers']]}
    deleted = client.delete_topics([topic])
    out['delete'] = [[t, code] for t, code in deleted.topic_error_codes]
    out['topicsAfter'] = sorted(client.list_topics())
    client.close()
    return out


def produce(bootstrap, topic, count, compression, base_ts):
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks='all', linger_ms=5,
                             compression_type=None if compression == 'none' else compression)
    started = time.monotonic()
    futures = []
    for i in range(count):
        futures.append(producer.send(topic, key=b'acct-%d' % (i % 89), value=b'%s-%d-%s' % (compression.encode(), i, b'y' * (i % 41)),
                                     headers=[('seq', str(i).encode()), ('bin', bytes([i & 0xff, 0, 0xff]))], timestamp_ms=base_ts + i))
    producer.flush()
    acked = [f.get(timeout=10) for f in futures]
    elapsed = time.monotonic() - started
    producer.close()
    return {
        'apiVersion': list(producer.config['api_version']),
        'acked': [[m.partition, m.offset] for m in acked],
        'ms': round(elapsed * 1000),
    }


def consume(bootstrap, topic, target_ts, start):
    """Reads every partition to its end from the log start, or from offset `start` (which may be gone:
    the broker answers OFFSET_OUT_OF_RANGE and the consumer resets to the earliest offset)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, fetch_max_wait_ms=100,
                             auto_offset_reset='earliest')
    partitions = sorted(consumer.partitions_for_topic(topic))
    tps = [TopicPartition(topic, p) for p in partitions]
    consumer.assign(tps)
    if start == 'beginning':
        consumer.seek_to_beginning(*tps)
    else:
        for tp in tps:
            consumer.seek(tp, int(start))
    ends = consumer.end_offsets(tps)
    records = []
    deadline = time.monotonic() + 30
    while any(consumer.position(tp) < ends[tp] for tp in tps) and time.monotonic() < deadline:
        for tp_records in consumer.poll(timeout_ms=500).values():
            for r in tp_records:
                records.append({
                    'partition': r.partition, 'offset': r.offset, 'timestamp': r.timestamp,
                    'key': None if r.key is None else r.key.hex(), 'value': None if r.value is None else r.value.hex(),
                    'headers': [[k, v.hex()] for k, v in r.headers],
                })
    by_time = consumer.offsets_for_times({tp: target_ts for tp in tps})
    out = {
        'records': records,
        'beginning': {tp.partition: o for tp, o in consumer.beginning_offsets(tps).items()},
        'end': {tp.partition: o for tp, o in ends.items()},
        'byTime': {tp.partition: None if o is None else [o.offset, o.timestamp] for tp, o in by_time.items()},
    }
    consumer.close()
    return out


def legacy_lag(bootstrap, topic, group, commit_at):
    """A lag monitor of the 0.10.0 era: committed offsets (OffsetCommit v2 / OffsetFetch v1) against the
    ListOffsets v0 answers, with api_version pinned so kafka-python sends exactly those versions."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, api_version=(0, 10, 0),
                             enable_auto_commit=False, client_id='legacy-lag-monitor')
    parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
    consumer.commit({tp: OffsetAndMetadata(commit_at, '') for tp in parts})
    end = consumer.end_offsets(parts)
    beginning = consumer.beginning_offsets(parts)
    out = {
        'apiVersion': list(consumer.config['api_version']),
        'partitions': [{'partition': tp.partition, 'beginning': beginning[tp], 'end': end[tp],
                        'committed': consumer.committed(tp)} for tp in parts],
    }
    consumer.close()
    return out


def main():
    bootstrap, command, *args = sys.argv[1:]
    if command == 'admin':
        result = admin(bootstrap, args[0])
    elif command == 'produce':
        result = produce(bootstrap, args[0], int(args[1]), args[2], int(args[3]))
    elif command == 'legacy-lag':
        result = legacy_lag(bootstrap, args[0], args[1], int(args[2]))
    elif command == 'consume':
        result = consume(bootstrap, args[0], int(args[1]), args[2] if len(args) > 2 else 'beginning')
    else:
        raise SystemExit(f'unknown command {command}')
    json.dump(result, sys.stdout)


if __name__ == '__main__':
    main()
