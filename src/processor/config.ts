// Processor configuration: built-in defaults, then a JSON config file, then command-line overrides
// (`path=value`, e.g. `rules.velocity.count=4`), each layer replacing single values of the one before.
// Every setting is declared once (type, bounds, default, help): the processor's own in PROCESSOR_FIELDS,
// each rule's in its rule file, so that the file, the flags, --help and the error messages cannot disagree. All problems are collected and reported together, each naming the
// source and the dotted path, because a user fixing a config file wants the whole list at once.
import { readFileSync } from 'node:fs';
import { RULES, type RulesConfig, type RulesConfigOf } from './rules/registry.ts';
import type { Rule, SettingSpec } from './rules/rule.ts';

// The settings that are not a rule's; each rule declares its own (rules/rule.ts), and they become
// `rules.<name>.enabled` and `rules.<name>.<setting>` below.
const PROCESSOR_FIELDS = {
  maxMessageBytes: { kind: 'integer', default: 65_536, min: 64, help: 'records with a larger value go to the DLQ' },
  windowMs: { kind: 'integer', default: 1000, min: 100, max: 3_600_000, help: 'aggregate window length (event time)' },
  latenessMs: { kind: 'integer', default: 2000, min: 0, max: 3_600_000, help: 'how long a window waits for late records' },
  clockResetMs: { kind: 'integer', default: 300_000, min: 60_000, help: 'a record this much older than its partition\'s newest event time starts a new clock (a new bank), not a late record' },
  caseWindowSec: { kind: 'integer', default: 6 * 3600, min: 60, max: 30 * 86_400, help: "alerts of one account this close together belong to one case" },
  caseOpenScore: { kind: 'number', default: 0.5, min: 0, max: 1, help: 'score at which a case opens (is published)' },
  accountIdleTtlSec: { kind: 'integer', default: 35 * 86_400, min: 60, help: 'forget an account idle this long (event time); longer than rules.dormant.dormantDays' },
  scoreWarmupSec: { kind: 'integer', default: 900, min: 0, help: 'event time from a partition\'s first labelled record that detection scoring leaves out (simulator ground truth only)' },
} as const satisfies Record<string, SettingSpec>;

type Fields = ReadonlyMap<string, SettingSpec>; // dotted path -> spec, in the order of --help
type FlatConfig = Map<string, number | boolean>;

function fieldsOf(rules: readonly Rule[]): Fields {
  const fields = new Map<string, SettingSpec>(Object.entries(PROCESSOR_FIELDS));
  for (const rule of rules) {
    fields.set(`rules.${rule.name}.enabled`, { kind: 'boolean', default: true, help: rule.summary });
    if (rule.notification !== true) fields.set(`rules.${rule.name}.weight`, { kind: 'number', default: rule.weight ?? 0, min: 0, max: 1, help: 'evidence weight of one alert in risk scores and cases' });
    for (const [key, spec] of Object.entries(rule.settings)) fields.set(`rules.${rule.name}.${key}`, spec);
  }
  return fields;
}

const REGISTRY_FIELDS = fieldsOf(RULES);

function fieldsFor(rules: readonly Rule[]): Fields {
  return rules === RULES ? REGISTRY_FIELDS : fieldsOf(rules);
}

export type { RulesConfig };

export interface ProcessorConfig<Rules = RulesConfig> {
  maxMessageBytes: number;
  windowMs: number;
  latenessMs: number;
  clockResetMs: number;
  caseWindowSec: number;
  caseOpenScore: number;
  accountIdleTtlSec: number;
  scoreWarmupSec: number;
  rules: Rules;
}

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

// The I/O-free part of loadConfig, so tests and callers holding an object need no file. `rules` is the
// registry unless a test brings its own list.
export function resolveConfig<R extends readonly Rule[] = typeof RULES>(input: {
  fileObject?: unknown;
  fileName?: string;
  overrides?: readonly string[];
  rules?: R;
}): ProcessorConfig<RulesConfigOf<R>> {
  const rules = input.rules ?? RULES;
  const fields = fieldsFor(rules);
  const flat: FlatConfig = new Map();
  for (const [path, spec] of fields) flat.set(path, spec.default);
  const issues: string[] = [];
  if (input.fileObject !== undefined) applyObject(fields, flat, input.fileObject, '', input.fileName ?? 'config', issues);
  for (const setting of input.overrides ?? []) applyOverride(fields, flat, setting, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return build(flat, rules) as ProcessorConfig<RulesConfigOf<R>>;
}

export const DEFAULT_CONFIG: ProcessorConfig = resolveConfig({});

// One line per setting, for `--help` texts and docs.
export function describeSettings(rules: readonly Rule[] = RULES): string[] {
  return [...fieldsFor(rules)].map(([path, spec]) => {
    const bounds = spec.kind === 'boolean' ? '' : ` [${spec.min ?? '-inf'}..${spec.max ?? 'inf'}]`;
    return `${path} (${spec.kind}${bounds}, default ${String(spec.default)}): ${spec.help}`;
  });
}

function applyObject(fields: Fields, flat: FlatConfig, value: unknown, prefix: string, source: string, issues: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push(`${source}: ${prefix === '' ? 'top level' : prefix} must be an object`);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const spec = fields.get(path);
    if (spec !== undefined) {
      const problem = checkValue(spec, child);
      if (problem === null) flat.set(path, child as number | boolean);
      else issues.push(`${source}: ${path} ${problem}`);
    } else if ([...fields.keys()].some((p) => p.startsWith(`${path}.`))) {
      applyObject(fields, flat, child, path, source, issues);
    } else {
      issues.push(`${source}: unknown setting ${path}${suggest(fields, prefix)}`);
    }
  }
}

function applyOverride(fields: Fields, flat: FlatConfig, setting: string, issues: string[]): void {
  const eq = setting.indexOf('=');
  if (eq <= 0) {
    issues.push(`override "${setting}": expected path=value, e.g. rules.velocity.count=4`);
    return;
  }
  const path = setting.slice(0, eq).trim();
  const raw = setting.slice(eq + 1).trim();
  const spec = fields.get(path);
  if (spec === undefined) {
    const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
    issues.push(`override "${setting}": unknown setting ${path}${suggest(fields, parent)}`);
    return;
  }
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

function checkValue(spec: SettingSpec, value: unknown): string | null {
  if (spec.kind === 'boolean') return typeof value === 'boolean' ? null : `must be true or false (got ${show(value)})`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a number (got ${show(value)})`;
  if (spec.kind === 'integer' && !Number.isSafeInteger(value)) return `must be an integer (got ${show(value)})`;
  if (spec.min !== undefined && value < spec.min) return `must be >= ${spec.min} (got ${value})`;
  if (spec.max !== undefined && value > spec.max) return `must be <= ${spec.max} (got ${value})`;
  return null;
}

function suggest(fields: Fields, parent: string): string {
  const prefix = parent === '' ? '' : `${parent}.`;
  const siblings = new Set<string>();
  for (const p of fields.keys()) {
    if (p.startsWith(prefix)) siblings.add(p.slice(prefix.length).split('.')[0] as string);
  }
  return siblings.size === 0 ? '' : ` (known here: ${[...siblings].join(', ')})`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function build(flat: FlatConfig, rules: readonly Rule[]): ProcessorConfig<Record<string, Record<string, number | boolean>>> {
  const n = (p: keyof typeof PROCESSOR_FIELDS): number => flat.get(p) as number;
  const sections: Record<string, Record<string, number | boolean>> = {};
  for (const rule of rules) {
    const section: Record<string, number | boolean> = { enabled: flat.get(`rules.${rule.name}.enabled`) as boolean };
    if (rule.notification !== true) section.weight = flat.get(`rules.${rule.name}.weight`) as number;
    for (const key of Object.keys(rule.settings)) section[key] = flat.get(`rules.${rule.name}.${key}`) as number | boolean;
    sections[rule.name] = section;
  }
  return {
    maxMessageBytes: n('maxMessageBytes'),
    windowMs: n('windowMs'),
    latenessMs: n('latenessMs'),
    clockResetMs: n('clockResetMs'),
    caseWindowSec: n('caseWindowSec'),
    caseOpenScore: n('caseOpenScore'),
    accountIdleTtlSec: n('accountIdleTtlSec'),
    scoreWarmupSec: n('scoreWarmupSec'),
    rules: sections,
  };
}
