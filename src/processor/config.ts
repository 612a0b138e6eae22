// Processor configuration: built-in defaults, then a JSON config file, then command-line overrides
// (`path=value`, e.g. `rules.velocity.count=4`), each layer replacing single values of the one before.
// Every setting is declared once in FIELDS (type, bounds, default, help) so that the file, the flags and
// the error messages cannot disagree. All problems are collected and reported together, each naming the
// source and the dotted path, because a user fixing a config file wants the whole list at once.
import { readFileSync } from 'node:fs';
import type { RuleName } from './alert.ts';

interface FieldSpec {
  kind: 'integer' | 'number' | 'boolean';
  default: number | boolean;
  min?: number;
  max?: number;
  help: string;
}

const FIELDS = {
  maxMessageBytes: { kind: 'integer', default: 65_536, min: 64, help: 'records with a larger value go to the DLQ' },
  windowMs: { kind: 'integer', default: 1000, min: 100, max: 3_600_000, help: 'aggregate window length (event time)' },
  latenessMs: { kind: 'integer', default: 5000, min: 0, max: 3_600_000, help: 'how long a window waits for late records' },
  accountIdleTtlSec: { kind: 'integer', default: 7 * 86_400, min: 60, help: 'forget an account idle this long (event time)' },
  'rules.low_balance.enabled': { kind: 'boolean', default: true, help: 'seed HIGH alert' },
  'rules.low_balance.thresholdCents': { kind: 'integer', default: 100_00, min: 0, help: 'alert when the balance falls below this' },
  'rules.overdraft.enabled': { kind: 'boolean', default: true, help: 'CRITICAL alert on going overdrawn' },
  'rules.overdraft.limitCents': { kind: 'integer', default: 0, min: 0, help: 'tolerated overdraft before alerting' },
  'rules.large_amount.enabled': { kind: 'boolean', default: true, help: 'amount far above the account history' },
  'rules.large_amount.zThreshold': { kind: 'number', default: 4, min: 0.5, max: 100, help: 'z-score that triggers' },
  'rules.large_amount.stdFloorCents': { kind: 'integer', default: 25_00, min: 1, help: 'smallest standard deviation used' },
  'rules.large_amount.minHistory': { kind: 'integer', default: 5, min: 2, max: 1_000_000, help: 'events needed before judging' },
  'rules.velocity.enabled': { kind: 'boolean', default: true, help: 'burst of withdrawals' },
  'rules.velocity.count': { kind: 'integer', default: 5, min: 2, max: 10_000, help: 'withdrawals that make a burst' },
  'rules.velocity.windowSec': { kind: 'integer', default: 60, min: 1, max: 86_400, help: 'burst time span' },
  'rules.drain.enabled': { kind: 'boolean', default: true, help: 'one withdrawal empties the account' },
  'rules.drain.ratio': { kind: 'number', default: 0.9, min: 0.01, max: 1, help: 'share of the prior balance that triggers' },
  'rules.drain.minBalanceCents': { kind: 'integer', default: 100_00, min: 0, help: 'ignore accounts holding less than this' },
  'rules.duplicate.enabled': { kind: 'boolean', default: true, help: 'same transaction_id seen twice' },
  'rules.duplicate.windowSec': { kind: 'integer', default: 600, min: 1, max: 30 * 86_400, help: 'how long ids are remembered' },
  'rules.duplicate.maxIds': { kind: 'integer', default: 50_000, min: 1, max: 50_000_000, help: 'ids remembered per partition' },
} as const satisfies Record<string, FieldSpec>;

type FieldPath = keyof typeof FIELDS;
type FlatConfig = Map<FieldPath, number | boolean>;

export interface LowBalanceConfig { enabled: boolean; thresholdCents: number }
export interface OverdraftConfig { enabled: boolean; limitCents: number }
export interface LargeAmountConfig { enabled: boolean; zThreshold: number; stdFloorCents: number; minHistory: number }
export interface VelocityConfig { enabled: boolean; count: number; windowSec: number }
export interface DrainConfig { enabled: boolean; ratio: number; minBalanceCents: number }
export interface DuplicateConfig { enabled: boolean; windowSec: number; maxIds: number }

export interface RulesConfig {
  low_balance: LowBalanceConfig;
  overdraft: OverdraftConfig;
  large_amount: LargeAmountConfig;
  velocity: VelocityConfig;
  drain: DrainConfig;
  duplicate: DuplicateConfig;
}

export interface ProcessorConfig {
  maxMessageBytes: number;
  windowMs: number;
  latenessMs: number;
  accountIdleTtlSec: number;
  rules: RulesConfig;
}

// Compile-time check that RulesConfig has exactly one entry per rule.
const _rulesCoverAllNames: Record<RuleName, unknown> = {} as RulesConfig;

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  readonly issues: string[];

  constructor(issues: string[]) {
    super(`invalid processor configuration:\n  - ${issues.join('\n  - ')}`);
    this.issues = issues;
  }
}

export interface LoadConfigOptions {
  file?: string; // JSON file, nested like ProcessorConfig; any subset of keys
  overrides?: readonly string[]; // `path=value`, applied after the file
}

export function loadConfig(options: LoadConfigOptions = {}): ProcessorConfig {
  let fileObject: unknown;
  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (err) {
      throw new ConfigError([`${options.file}: cannot read (${(err as Error).message})`]);
    }
    try {
      fileObject = JSON.parse(text);
    } catch (err) {
      throw new ConfigError([`${options.file}: not valid JSON (${(err as Error).message})`]);
    }
  }
  return resolveConfig({ fileObject, fileName: options.file ?? 'config', overrides: options.overrides ?? [] });
}

// The I/O-free part of loadConfig, so tests and callers holding an object need no file.
export function resolveConfig(input: { fileObject?: unknown; fileName?: string; overrides?: readonly string[] }): ProcessorConfig {
  const flat: FlatConfig = new Map();
  for (const path of fieldPaths()) flat.set(path, FIELDS[path].default);
  const issues: string[] = [];
  if (input.fileObject !== undefined) applyObject(flat, input.fileObject, '', input.fileName ?? 'config', issues);
  for (const setting of input.overrides ?? []) applyOverride(flat, setting, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return build(flat);
}

export const DEFAULT_CONFIG: ProcessorConfig = resolveConfig({});

// One line per setting, for `--help` texts and docs.
export function describeSettings(): string[] {
  return fieldPaths().map((path) => {
    const spec: FieldSpec = FIELDS[path];
    const bounds = spec.kind === 'boolean' ? '' : ` [${spec.min ?? '-inf'}..${spec.max ?? 'inf'}]`;
    return `${path} (${spec.kind}${bounds}, default ${String(spec.default)}): ${spec.help}`;
  });
}

function fieldPaths(): FieldPath[] {
  return Object.keys(FIELDS) as FieldPath[];
}

function isFieldPath(path: string): path is FieldPath {
  return Object.hasOwn(FIELDS, path);
}

function applyObject(flat: FlatConfig, value: unknown, prefix: string, source: string, issues: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push(`${source}: ${prefix === '' ? 'top level' : prefix} must be an object`);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (isFieldPath(path)) {
      const problem = checkValue(FIELDS[path], child);
      if (problem === null) flat.set(path, child as number | boolean);
      else issues.push(`${source}: ${path} ${problem}`);
    } else if (fieldPaths().some((p) => p.startsWith(`${path}.`))) {
      applyObject(flat, child, path, source, issues);
    } else {
      issues.push(`${source}: unknown setting ${path}${suggest(prefix)}`);
    }
  }
}

function applyOverride(flat: FlatConfig, setting: string, issues: string[]): void {
  const eq = setting.indexOf('=');
  if (eq <= 0) {
    issues.push(`override "${setting}": expected path=value, e.g. rules.velocity.count=4`);
    return;
  }
  const path = setting.slice(0, eq).trim();
  const raw = setting.slice(eq + 1).trim();
  if (!isFieldPath(path)) {
    const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
    issues.push(`override "${setting}": unknown setting ${path}${suggest(parent)}`);
    return;
  }
  const spec: FieldSpec = FIELDS[path];
  let parsed: number | boolean | string = raw;
  if (spec.kind === 'boolean') {
    if (raw === 'true') parsed = true;
    else if (raw === 'false') parsed = false;
  } else if (raw !== '' && Number.isFinite(Number(raw))) {
    parsed = Number(raw);
  }
  const problem = checkValue(spec, parsed);
  if (problem === null) flat.set(path, parsed as number | boolean);
  else issues.push(`override "${setting}": ${path} ${problem}`);
}

function checkValue(spec: FieldSpec, value: unknown): string | null {
  if (spec.kind === 'boolean') return typeof value === 'boolean' ? null : `must be true or false (got ${show(value)})`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a number (got ${show(value)})`;
  if (spec.kind === 'integer' && !Number.isSafeInteger(value)) return `must be an integer (got ${show(value)})`;
  if (spec.min !== undefined && value < spec.min) return `must be >= ${spec.min} (got ${value})`;
  if (spec.max !== undefined && value > spec.max) return `must be <= ${spec.max} (got ${value})`;
  return null;
}

function suggest(parent: string): string {
  const prefix = parent === '' ? '' : `${parent}.`;
  const siblings = new Set<string>();
  for (const p of fieldPaths()) {
    if (p.startsWith(prefix)) siblings.add(p.slice(prefix.length).split('.')[0] as string);
  }
  return siblings.size === 0 ? '' : ` (known here: ${[...siblings].join(', ')})`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function build(flat: FlatConfig): ProcessorConfig {
  const n = (p: FieldPath): number => flat.get(p) as number;
  const b = (p: FieldPath): boolean => flat.get(p) as boolean;
  return {
    maxMessageBytes: n('maxMessageBytes'),
    windowMs: n('windowMs'),
    latenessMs: n('latenessMs'),
    accountIdleTtlSec: n('accountIdleTtlSec'),
    rules: {
      low_balance: { enabled: b('rules.low_balance.enabled'), thresholdCents: n('rules.low_balance.thresholdCents') },
      overdraft: { enabled: b('rules.overdraft.enabled'), limitCents: n('rules.overdraft.limitCents') },
      large_amount: {
        enabled: b('rules.large_amount.enabled'),
        zThreshold: n('rules.large_amount.zThreshold'),
        stdFloorCents: n('rules.large_amount.stdFloorCents'),
        minHistory: n('rules.large_amount.minHistory'),
      },
      velocity: { enabled: b('rules.velocity.enabled'), count: n('rules.velocity.count'), windowSec: n('rules.velocity.windowSec') },
      drain: { enabled: b('rules.drain.enabled'), ratio: n('rules.drain.ratio'), minBalanceCents: n('rules.drain.minBalanceCents') },
      duplicate: { enabled: b('rules.duplicate.enabled'), windowSec: n('rules.duplicate.windowSec'), maxIds: n('rules.duplicate.maxIds') },
    },
  };
}
