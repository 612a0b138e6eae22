// The runner's outputs on their way to the broker: alerts and dead letters as records, closed windows as
// one bank_metrics record per source partition and send (see metricsRecord), batched up to
// maxBatchRecords outputs or maxBatchBytes, with at most maxInFlight sends awaiting acknowledgement.
// Acknowledged batches are counted and handed to the local sinks (log, console).
import type { WindowAggregate } from './aggregates.ts';
import { fitDeadLetter, metricsRecord, OUTPUT_HEADERS, outputRecordBytes, RECORD_OVERHEAD_BYTES, type LocalSinks, type OutputRecord } from './sinks.ts';
import { WindowArray } from '../formats/metrics-window.ts';

export interface OutputBatcherOptions {
  group: string;
  maxBatchRecords: number; // outputs per send; each window counts as one
  maxBatchBytes: number; // or this many key + value + header bytes: one send must stay under the broker's message size limit
  maxInFlight: number;
  send: (records: OutputRecord[]) => Promise<void>;
  local?: LocalSinks | undefined;
  onFailure: (error: unknown) => void;
  // True while exclusive work holds the runner's loop: a send deferred to an acknowledgement then waits
  // for it (a checkpoint drains everything anyway).
  held: () => boolean;
}

export class OutputBatcher {
  acknowledgedAlerts = 0;
  acknowledgedNotifications = 0;
  acknowledgedCases = 0;
  acknowledgedWindows = 0;
  private readonly group: string;
  private readonly maxBatchRecords: number;
  private readonly maxBatchBytes: number;
  private readonly maxInFlight: number;
  private readonly sendRecords: (records: OutputRecord[]) => Promise<void>;
  private readonly local: LocalSinks | undefined;
  private readonly onFailure: (error: unknown) => void;
  private readonly held: () => boolean;
  private readonly metricsRecordBytes: number; // a metrics record without its windows: framing, key, header, []
  private pending: OutputRecord[] = [];
  private readonly pendingWindows = new Map<number, WindowArray>();
  private pendingCount = 0;
  private pendingBytes = 0;
  private sendWhenAcknowledged = false; // caughtUp() came while a send was under way
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;

  constructor(options: OutputBatcherOptions) {
    this.group = options.group;
    this.maxBatchRecords = options.maxBatchRecords;
    this.maxBatchBytes = options.maxBatchBytes;
    this.maxInFlight = options.maxInFlight;
    this.sendRecords = options.send;
    this.local = options.local;
    this.onFailure = options.onFailure;
    this.held = options.held;
    this.metricsRecordBytes = RECORD_OVERHEAD_BYTES + 8 + OUTPUT_HEADERS.group.length + Buffer.byteLength(options.group) + 2;
  }

  // maxInFlight sends await acknowledgement: the runner waits for room before processing on.
  get full(): boolean {
    return this.inFlight.size >= this.maxInFlight;
  }

  // A dead letter larger than a send may be is cut to fit (fitDeadLetter): it could never be sent whole.
  add(output: OutputRecord): void {
    const r = output.kind === 'dlq' ? fitDeadLetter(output, this.maxBatchBytes) : output;
    const bytes = outputRecordBytes(r);
    if (this.pendingBytes + bytes > this.maxBatchBytes) this.sendPending();
    this.pending.push(r);
    this.added(bytes);
  }

  addWindows(p: number, windows: readonly WindowAggregate[]): void {
    let list = this.pendingWindows.get(p);
    if (list === undefined) {
      list = new WindowArray();
      this.pendingWindows.set(p, list);
    }
    for (const w of windows) {
      let bytes = this.addWindow(list, w);
      if (this.pendingBytes + bytes > this.maxBatchBytes && this.pendingCount > 0) {
        list.removeLast();
        this.sendPending();
        bytes = this.addWindow(list, w);
      }
      this.added(bytes);
    }
  }

  // The source has nothing buffered right now: send what is pending instead of waiting for a full batch.
  // While a send is under way, the pending outputs go when it is acknowledged instead: at full speed the
  // source runs dry between every two fetch responses, and a send per response costs more than the
  // outputs themselves. Either way nothing waits longer than one round trip to the broker.
  caughtUp(): void {
    if (this.pendingCount === 0) return;
    if (this.inFlight.size === 0) this.sendPending();
    else this.sendWhenAcknowledged = true;
  }

  sendPending(): void {
    if (this.pendingCount === 0) return;
    const batch = this.pending;
    for (const [p, list] of this.pendingWindows) if (list.count > 0) batch.push(metricsRecord(list, p, this.group));
    this.pending = [];
    this.pendingCount = 0;
    this.pendingBytes = 0;
    const sent = this.sendRecords(batch).then(
      () => this.acknowledged(batch),
      (err: unknown) => {
        this.failure ??= { error: err };
        this.onFailure(err);
      },
    );
    const tracked = sent.finally(() => {
      this.inFlight.delete(tracked);
      if (this.sendWhenAcknowledged && this.inFlight.size === 0) {
        this.sendWhenAcknowledged = false;
        if (!this.held()) this.sendPending();
      }
    });
    this.inFlight.add(tracked);
  }

  // Rejects when a send failed.
  async waitForRoom(): Promise<void> {
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  // Everything added so far is sent and acknowledged, whatever is added meanwhile (which drain() would
  // wait for too); rejects when a send failed.
  async acknowledgedSoFar(): Promise<void> {
    this.sendPending();
    await Promise.all([...this.inFlight]);
    this.throwIfFailed();
  }

  // Everything pending is sent and acknowledged; rejects when a send failed.
  async drain(): Promise<void> {
    this.sendPending();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  // Adds w to the partition's array; returns the bytes it adds to the send. The metrics record's own
  // bytes count with its first window.
  private addWindow(list: WindowArray, w: WindowAggregate): number {
    const opens = list.count === 0;
    const before = list.byteLength;
    list.add(w);
    return list.byteLength - before + (opens ? this.metricsRecordBytes : 0);
  }

  private added(bytes: number): void {
    this.pendingBytes += bytes;
    this.pendingCount++;
    if (this.pendingCount >= this.maxBatchRecords) this.sendPending();
  }

  private acknowledged(batch: readonly OutputRecord[]): void {
    for (const r of batch) {
      if (r.kind === 'alert') this.acknowledgedAlerts++;
      else if (r.kind === 'notification') this.acknowledgedNotifications++;
      else if (r.kind === 'case') this.acknowledgedCases++;
      else if (r.kind === 'metrics') this.acknowledgedWindows += r.windows ?? 0;
    }
    this.local?.acknowledged(batch);
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure.error;
  }
}
