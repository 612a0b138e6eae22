// DescribeConfigs (key 32), versions 0-4. Topic resources (type 2) list every topic config with its
// source (topic override or default); broker resources (type 4, name = our node id or empty) list the
// settings this broker runs with. v0 reports isDefault; v1+ reports configSource and, when asked,
// synonyms; v3+ adds a type and, when asked, documentation.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { DescribeConfigs } from '../../protocol/messages/32-describe-configs.ts';
import type { Infer } from '../../protocol/schema.ts';
import type { BrokerContext } from '../context.ts';
import { defineHandler } from '../registry.ts';
import { describeTopicConfigs } from '../topic-config.ts';

type Result = Infer<typeof DescribeConfigs.response>['results'][number];
type Config = Result['configs'][number];

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
const SOURCE_TOPIC = 1;
const SOURCE_STATIC_BROKER = 4;
const SOURCE_DEFAULT = 5;
const TYPE_BOOLEAN = 1;
const TYPE_STRING = 2;
const TYPE_LONG = 5;

const DOCS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'Only delete: segments past retention are removed whole.',
  'compression.type': 'Only producer: batches are stored as the producer compressed them.',
  'retention.ms': 'Delete segments whose newest record is older than this (-1: keep forever).',
  'retention.bytes': 'Delete the oldest segments while a partition is larger than this (-1: no limit).',
  'segment.bytes': 'Roll to a new segment file at this size.',
  'segment.ms': 'Roll to a new segment file after this long.',
  'max.message.bytes': 'Largest record batch accepted.',
};

export const describeConfigsHandler = defineHandler({
  api: DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  handle(req, { broker }) {
    const res = DescribeConfigs.response.zero();
    for (const r of req.resources) {
      const result: Result = { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] };
      res.results.push(result);
      let entries: { name: string; value: string; source: number }[];
      if (r.resourceType === RESOURCE_TOPIC) {
        const topic = broker.topics.get(r.resourceName);
        if (!topic) {
          result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          result.errorMessage = `unknown topic ${r.resourceName}`;
          continue;
        }
        entries = describeTopicConfigs(topic.configs).map((c) => ({ name: c.name, value: c.value, source: c.isDefault ? SOURCE_DEFAULT : SOURCE_TOPIC }));
      } else if (r.resourceType === RESOURCE_BROKER) {
        if (r.resourceName !== '' && r.resourceName !== String(broker.config.nodeId)) {
          result.errorCode = ErrorCode.INVALID_REQUEST;
          result.errorMessage = `unknown broker ${r.resourceName}; this broker is ${broker.config.nodeId}`;
          continue;
        }
        entries = brokerConfigs(broker);
      } else {
        result.errorCode = ErrorCode.INVALID_REQUEST;
        result.errorMessage = `resource type ${r.resourceType} is not supported (topics: 2, brokers: 4)`;
        continue;
      }
      const keys = r.configurationKeys === null || r.configurationKeys.length === 0 ? null : new Set(r.configurationKeys);
      result.configs = entries.filter((e) => keys === null || keys.has(e.name)).map((e): Config => ({
        name: e.name,
        value: e.value,
        readOnly: r.resourceType === RESOURCE_BROKER,
        isDefault: e.source === SOURCE_DEFAULT,
        configSource: e.source,
        isSensitive: false,
        synonyms: req.includeSynonyms ? [{ name: e.name, value: e.value, source: e.source }] : [],
        configType: configType(e.value),
        documentation: req.includeDocumentation ? (DOCS[e.name] ?? null) : null,
      }));
    }
    return res;
  },
});

function brokerConfigs(broker: BrokerContext): { name: string; value: string; source: number }[] {
  const c = broker.config;
  const { host, port } = broker.endpoint();
  const entries: Record<string, string> = {
    'advertised.listeners': `PLAINTEXT://${host}:${port}`,
    'auto.create.topics.enable': String(c.autoCreateTopics),
    'broker.id': String(c.nodeId),
    'listeners': `PLAINTEXT://${c.host}:${port}`,
    'log.dirs': c.dataDir,
    'num.partitions': String(c.defaultPartitions),
    'socket.request.max.bytes': String(c.maxFrameBytes),
  };
  return Object.entries(entries).map(([name, value]) => ({ name, value, source: SOURCE_STATIC_BROKER }));
}

function configType(value: string): number {
  if (value === 'true' || value === 'false') return TYPE_BOOLEAN;
  return /^-?\d+$/.test(value) ? TYPE_LONG : TYPE_STRING;
}
