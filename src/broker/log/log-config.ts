// Per-partition log settings, typed, with Kafka's topic config names mapped onto them so CreateTopics,
// DescribeConfigs and AlterConfigs speak Kafka while the log reads plain numbers. Defaults are Kafka's.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { LogError } from './log-error.ts';

export interface LogConfig {
  // segment.bytes: roll the active segment before it would grow past this.
  segmentBytes: number;
  // segment.ms: roll once the active segment spans more than this much time.
  segmentMs: number;
  // retention.bytes: delete the oldest segments while the log would stay above this; -1 = unlimited.
  retentionBytes: number;
  // retention.ms: delete segments whose newest timestamp is older than this; -1 = forever.
  retentionMs: number;
  // index.interval.bytes: log bytes between two sparse index entries.
  indexIntervalBytes: number;
  // max.message.bytes: largest accepted batch (Kafka's default 1 MiB + 12 bytes of log overhead).
  maxMessageBytes: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY_MS,
  retentionBytes: -1,
  retentionMs: 7 * DAY_MS,
  indexIntervalBytes: 4096,
  maxMessageBytes: 1024 * 1024 + 12,
});

interface KeySpec {
  field: keyof LogConfig;
  min: number;
  max: number;
}

const INT32_MAX = 2 ** 31 - 1;

// Bounds follow Kafka's ConfigDef: segment.bytes is an int (positions in the index are int32) with the
// legacy minimum of 14; the retention settings are longs where -1 disables the limit.
export const LOG_CONFIG_KEYS: Readonly<Record<string, KeySpec>> = Object.freeze({
  'segment.bytes': { field: 'segmentBytes', min: 14, max: INT32_MAX },
  'segment.ms': { field: 'segmentMs', min: 1, max: Number.MAX_SAFE_INTEGER },
  'retention.bytes': { field: 'retentionBytes', min: -1, max: Number.MAX_SAFE_INTEGER },
  'retention.ms': { field: 'retentionMs', min: -1, max: Number.MAX_SAFE_INTEGER },
  'index.interval.bytes': { field: 'indexIntervalBytes', min: 0, max: INT32_MAX },
  'max.message.bytes': { field: 'maxMessageBytes', min: 0, max: INT32_MAX },
});

export function isLogConfigKey(name: string): boolean {
  return Object.hasOwn(LOG_CONFIG_KEYS, name);
}

// Applies Kafka-named overrides on top of base. Keys that are not log settings are ignored (topic configs
// such as cleanup.policy belong to other parts); null/undefined values mean "use the base value". A
// malformed or out-of-range value throws LogError(INVALID_CONFIG).
export function logConfigFromKafka(
  props: Readonly<Record<string, string | null | undefined>>,
  base: Readonly<LogConfig> = DEFAULT_LOG_CONFIG,
): LogConfig {
  const config: LogConfig = { ...base };
  for (const [name, raw] of Object.entries(props)) {
    const spec = LOG_CONFIG_KEYS[name];
    if (spec === undefined || raw === null || raw === undefined) continue;
    const value = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < spec.min || value > spec.max) {
      throw new LogError(ErrorCode.INVALID_CONFIG, `invalid value ${JSON.stringify(raw)} for ${name}: expected an integer in [${spec.min}, ${spec.max}]`);
    }
    config[spec.field] = value;
  }
  return config;
}

export function logConfigToKafka(config: Readonly<LogConfig>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(LOG_CONFIG_KEYS)) out[name] = String(config[spec.field]);
  return out;
}

// Checks a config built in code (not from Kafka strings) against the same bounds.
export function validateLogConfig(config: Readonly<LogConfig>): void {
  logConfigFromKafka(logConfigToKafka(config));
}
