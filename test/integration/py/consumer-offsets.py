"""Reads __consumer_offsets the way a lag monitor does, for test/integration/consumer-offsets-topic.test.ts.

Usage: consumer-offsets.py BOOTSTRAP COMMAND [ARGS...]; prints one JSON document on stdout.
  commit GROUP TOPIC PARTITION:OFFSET...           commits with confluent_kafka (no group membership)
  commit-kp GROUP TOPIC PARTITION:OFFSET:METADATA  commits with kafka-python, with metadata
  read                                             kafka-python: every record of __consumer_offsets, decoded
  delete-group GROUP                               kafka-python admin DeleteGroups
The decoder below is written from Kafka's coordinator record schemas (OffsetCommitKey v0/1,
OffsetCommitValue v0-3, GroupMetadataKey v2), independently of the broker's encoder.
"""
import json
import struct
import sys

from confluent_kafka import Consumer, TopicPartition as CkTopicPartition
from kafka import KafkaAdminClient, KafkaConsumer, OffsetAndMetadata, TopicPartition

TOPIC = '__consumer_offsets'


class Buf:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, fmt):
        (v,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v

    def string(self):
        n = self.take('>h')
        if n < 0:
            return None
        s = self.data[self.pos:self.pos + n].decode('utf-8')
        self.pos += n
        return s


def decode_key(key):
    b = Buf(key)
    version = b.take('>h')
    if version in (0, 1):
        return {'type': 'offset', 'group': b.string(), 'topic': b.string(), 'partition': b.take('>i')}
    if version == 2:
        return {'type': 'group', 'group': b.string()}
    return {'type': 'unknown', 'version': version}


def decode_offset_value(value):
    b = Buf(value)
    version = b.take('>h')
    out = {'version': version, 'offset': b.take('>q')}
    if version >= 3:
        out['leaderEpoch'] = b.take('>i')
    out['metadata'] = b.string()
    out['commitTimestamp'] = b.take('>q')
    if version == 1:
        out['expireTimestamp'] = b.take('>q')
    return out


def java_hash(s):
    h = 0
    for unit in struct.unpack('>%dH' % (len(s.encode('utf-16-be')) // 2), s.encode('utf-16-be')):
        h = (31 * h + unit) & 0xFFFFFFFF
    return h - (1 << 32) if h >= (1 << 31) else h


def commit(bootstrap, group, topic, specs):
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False})
    offsets = []
    for spec in specs:
        partition, offset = spec.split(':')
        offsets.append(CkTopicPartition(topic, int(partition), int(offset)))
    done = consumer.commit(offsets=offsets, asynchronous=False)
    consumer.close()
    return {'committed': [[tp.partition, tp.offset, tp.error.code() if tp.error else 0] for tp in done]}


def commit_kp(bootstrap, group, topic, spec):
    partition, offset, metadata = spec.split(':', 2)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    tp = TopicPartition(topic, int(partition))
    consumer.assign([tp])
    consumer.commit({tp: OffsetAndMetadata(int(offset), metadata)})
    committed = consumer.committed(tp)
    consumer.close()
    return {'committed': committed}


def read(bootstrap):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    described = admin.describe_topics([TOPIC])
    admin.close()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=5000)
    partitions = [TopicPartition(TOPIC, p) for p in sorted(consumer.partitions_for_topic(TOPIC))]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    end = consumer.end_offsets(partitions)
    records = []
    while any(consumer.position(tp) < end[tp] for tp in partitions):
        for msg in consumer:
            key = decode_key(msg.key)
            rec = {'partition': msg.partition, 'offset': msg.offset, 'key': key, 'value': None}
            if msg.value is not None and key['type'] == 'offset':
                rec['value'] = decode_offset_value(msg.value)
            elif msg.value is not None:
                rec['value'] = 'group metadata'
            records.append(rec)
            if all(consumer.position(tp) >= end[tp] for tp in partitions):
                break
    consumer.close()
    return {
        'isInternal': described[0]['is_internal'],
        'partitions': len(partitions),
        'records': records,
    }


def delete_group(bootstrap, group):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    res = admin.delete_consumer_groups([group])
    admin.close()
    # kafka-python reports each group's error as the error class itself.
    return {'deleted': [[g, err.__name__ if isinstance(err, type) else type(err).__name__] for g, err in res]}


def main():
    bootstrap, command, *args = sys.argv[1:]
    if command == 'commit':
        out = commit(bootstrap, args[0], args[1], args[2:])
    elif command == 'commit-kp':
        out = commit_kp(bootstrap, args[0], args[1], args[2])
    elif command == 'read':
        out = read(bootstrap)
    elif command == 'delete-group':
        out = delete_group(bootstrap, args[0])
    elif command == 'hash':
        out = {'partitions': {g: abs(java_hash(g)) % 50 if java_hash(g) != -(1 << 31) else 0 for g in args}}
    else:
        raise SystemExit('unknown command ' + command)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
