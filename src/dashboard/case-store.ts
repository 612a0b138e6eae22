// The fraud cases the dashboard knows: the latest version of each case read from bank_cases.
//
// The processor republishes a case under the same case_id with version + 1 whenever an alert joins it
// (src/formats/case.ts), and a processor replaying after a crash publishes versions it had already
// published; so a record replaces the held case only when its version is higher. Bounded: past
// `capacity` the case updated longest ago (by when the dashboard last saw it change) is forgotten.
import type { Case } from '../formats/case.ts';

export class CaseStore {
  readonly capacity: number;
  // Insertion order is update order: a changed case is deleted and set again, so the first key is the
  // one to evict.
  private readonly byId = new Map<string, Case>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`case capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  // true when the case is new or this version is newer than the one held.
  add(c: Case): boolean {
    const held = this.byId.get(c.case_id);
    if (held !== undefined && held.version >= c.version) return false;
    this.byId.delete(c.case_id);
    this.byId.set(c.case_id, c);
    if (this.byId.size > this.capacity) {
      const oldest = this.byId.keys().next().value as string;
      this.byId.delete(oldest);
    }
    return true;
  }

  get(id: string): Case | undefined {
    return this.byId.get(id);
  }

  // The work queue: open cases before the rest, then highest score, then most recently updated (event
  // time), then by id so equal cases keep one order.
  queue(limit: number): Case[] {
    return [...this.byId.values()].sort(compareCases).slice(0, limit);
  }

  // Cases held per severity and status.
  counts(): Array<{ severity: string; status: string; cases: number }> {
    const by = new Map<string, { severity: string; status: string; cases: number }>();
    for (const c of this.byId.values()) {
      const key = `${c.severity}\n${c.status}`;
      const entry = by.get(key);
      if (entry === undefined) by.set(key, { severity: c.severity, status: c.status, cases: 1 });
      else entry.cases++;
    }
    return [...by.values()];
  }

  get size(): number {
    return this.byId.size;
  }
}

export function compareCases(a: Case, b: Case): number {
  const openA = a.status === 'open' ? 0 : 1;
  const openB = b.status === 'open' ? 0 : 1;
  if (openA !== openB) return openA - openB;
  if (a.score !== b.score) return b.score - a.score;
  if (a.updated_ms !== b.updated_ms) return b.updated_ms - a.updated_ms;
  return a.case_id < b.case_id ? -1 : a.case_id > b.case_id ? 1 : 0;
}
