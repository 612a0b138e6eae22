// The fraud cases the dashboard knows: the latest version of each case read from bank_cases.
//
// The processor republishes a case under the same case_id with version + 1 whenever an alert joins it
// (src/formats/case.ts), and a processor replaying after a crash publishes versions it had already
// published; so a record replaces the held case only when its version is higher. Bounded: past
// `capacity` the case updated longest ago (by when the dashboard last saw it change) is forgotten.
import type { Case } from '../formats/case.ts';

// How a related case is related: its account is one of this case's linked accounts ('counterparty'),
// it names this case's account among its own ('names this account'), or both.
export interface RelatedCase {
  case: Case;
  relation: 'counterparty' | 'names this account' | 'both';
}

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

  // The other held cases that share money with c: those on an account c names among its linked accounts
  // (it paid them or was paid by them in an alerted transaction), and those that name c's account. A
  // victim's case and the mule's that received the money are cases of two partitions, which no one
  // processor can join; here they meet. Work-queue order, at most `limit`.
  related(c: Case, limit: number): RelatedCase[] {
    const linked = new Set(c.linked_accounts ?? []);
    const out: RelatedCase[] = [];
    for (const other of this.byId.values()) {
      if (other.case_id === c.case_id) continue;
      const theirs = linked.has(other.account_id);
      const ours = other.account_id !== c.account_id && (other.linked_accounts ?? []).includes(c.account_id);
      if (theirs || ours) out.push({ case: other, relation: theirs && ours ? 'both' : theirs ? 'counterparty' : 'names this account' });
    }
    return out.sort((a, b) => compareCases(a.case, b.case)).slice(0, limit);
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
