// Topic-level configs the broker accepts, validates and describes. The log settings (segment and
// retention sizes and times) come from log/log-config.ts; the rest are Kafka configs whose only value we
// can honour on a single node that stores batches as received. Anything else is rejected with
// INVALID_CONFIG rather than silently accepted and ignored.

import { ErrorCode } from '../protocol/error-codes.ts';
import { DEFAULT_LOG_CONFIG, isLogConfigKey, logConfigFromKafka, logConfigToKafka } from './log/log-config.ts';
import type { LogConfig } from './log/log-config.ts';
import { LogError } from './log/log-error.ts';

export class ConfigError extends Error {
  readonly code = ErrorCode.INVALID_CONFIG;
}

// Configs with one supported value: accepted when set to it, described with it.
const FIXED: Readonly<Record<string, { value: string; why: string }>> = {
  'cleanup.policy': { value: 'delete', why: 'log compaction is not supported' },
  'compression.type': { value: 'producer', why: 'batches are stored exactly as the producer compressed them' },
  'message.timestamp.type': { value: 'CreateTime', why: 'LogAppendTime is not supported' },
  'min.insync.replicas': { value: '1', why: 'a single node has one replica' },
};

// Validates explicit topic configs (from CreateTopics) and returns them normalised.
export function validateTopicConfigs(configs: Readonly<Record<string, string | null>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(configs)) {
    if (value === null) continue;
    const fixed = FIXED[name];
    if (fixed) {
      if (value !== fixed.value) throw new ConfigError(`${name}=${value} is not supported (${fixed.why}); only ${fixed.value}`);
    } else if (!isLogConfigKey(name)) {
      throw new ConfigError(`unknown topic config ${name}`);
    }
    out[name] = value;
  }
  try {
    logConfigFromKafka(out);
  } catch (err) {
    if (err instanceof LogError) throw new ConfigError(err.message);
    throw err;
  }
  return out;
}

export function topicLogConfig(configs: Readonly<Record<string, string>>): LogConfig {
  return logConfigFromKafka(configs, DEFAULT_LOG_CONFIG);
}

export interface DescribedConfig {
  name: string;
  value: string;
  isDefault: boolean;
}

// Every config a topic has, explicit ones marked as such, in name order.
export function describeTopicConfigs(configs: Readonly<Record<string, string>>): DescribedConfig[] {
  const all: Record<string, string> = { ...logConfigToKafka(DEFAULT_LOG_CONFIG) };
  for (const [name, { value }] of Object.entries(FIXED)) all[name] = value;
  return Object.keys(all)
    .sort()
    .map((name) => ({ name, value: configs[name] ?? (all[name] as string), isDefault: !(name in configs) }));
}
