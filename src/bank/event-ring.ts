// A simulator's events in a ring of shared memory, written on the simulator's own thread and read on the
// producer's (simulator-thread.ts). Generating an event (the world: who acts, what the ledger does) and
// writing its record value (the JSON bytes) cost about the same, and one thread doing both made about
// 450k events/s; with the world on a thread of its own, the two overlap on two cores.
//
// A record is the event's numbers and codes in 8-byte words, then the text of a counterparty id or an
// incident id when it has one. What an event says of its account (the customer's number, the account's
// type, threshold and overdraft limit) travels with every record, so the reader needs no copy of the bank.
// Records never straddle the end of the ring: one that would is preceded by a wrap marker.
//
// Counters are in words and wrap as 32-bit integers; the ring's size is a power of two that divides 2^32,
// so `counter & mask` is the position. The writer publishes how far it has written every PUBLISH_EVERY
// records and whenever it would wait; the reader publishes how far it has read likewise, so neither
// touches the shared counters per record.

import { incidentHeaders, SimEvent } from './sim-event.ts';
import type { EventContext, EventIncident } from './sim-event.ts';
import { CHANNELS, DECLINE_REASONS, MERCHANT_CATEGORIES, SIM_LABELS, TRANSACTION_TYPES } from './transaction.ts';

// Control words (Int32) at the start of the buffer, then the text of a failure, then the ring.
const WRITTEN = 0;
const READ = 1;
const STATE = 2; // RUNNING, FAILING (a failure's text being written), FAILED or CLOSED (the reader is done)
const ERROR_LENGTH = 3;
const RUNNING = 0;
const FAILING = 1;
const FAILED = 2;
const CLOSED = 3;
const CONTROL_BYTES = 64;
const ERROR_BYTES = 1024;
const RING_OFFSET = CONTROL_BYTES + ERROR_BYTES;

const HEAD_WORDS = 8; // [codes, texts] as Int32, atMs, seq, amount, balance, threshold, overdraft, [customer, merchant] as Int32
const MAX_TEXT = 255; // bytes of one id
// The words of a record whose ids take `textBytes`: writer and reader must step over a record alike.
function recordWords(textBytes: number): number {
  return HEAD_WORDS + ((textBytes + 7) >> 3);
}
const MAX_RECORD_WORDS = recordWords(2 * MAX_TEXT);
const WRAP = -1; // codes of the marker that sends the reader back to the ring's start
const PUBLISH_EVERY = 256;
const DEFAULT_RING_WORDS = 1 << 17; // 1 MiB: about 10,000 records

// codes: bit 0 savings account | type << 1 | channel << 4 | category + 1 << 7 | decline + 1 << 12 |
// label << 15 | counterparty kind << 18 (0 none, 1 merchant number, 2 text). texts: counterparty text
// length | incident id length << 8.
const NO_COUNTERPARTY = 0;
const MERCHANT = 1;
const TEXT = 2;
const codeOf = <T extends string>(words: readonly T[], bits: number, first = 0): ReadonlyMap<T, number> => {
  if (words.length + first > 1 << bits) throw new Error(`event-ring: ${words.length} words do not fit ${bits} bits`);
  return new Map(words.map((word, i) => [word, i + first]));
};
const TYPE_CODE = codeOf(TRANSACTION_TYPES, 3);
const CHANNEL_CODE = codeOf(CHANNELS, 3);
const CATEGORY_CODE = codeOf(MERCHANT_CATEGORIES, 5, 1);
const DECLINE_CODE = codeOf(DECLINE_REASONS, 3, 1);
const LABEL_CODE = codeOf(SIM_LABELS, 3);

const MIN_RING_WORDS = 2 ** Math.ceil(Math.log2(2 * MAX_RECORD_WORDS));

export function createEventRing(words = DEFAULT_RING_WORDS): SharedArrayBuffer {
  if (!(Number.isInteger(Math.log2(words)) && words >= MIN_RING_WORDS && words <= 1 << 27)) throw new RangeError(`ring size must be a power of two words from ${MIN_RING_WORDS} to 2^27`);
  return new SharedArrayBuffer(RING_OFFSET + words * 8);
}

function code<T extends string>(codes: ReadonlyMap<T, number>, word: T): number {
  const found = codes.get(word);
  if (found === undefined) throw new Error(`event-ring: no code for "${word}"`);
  return found;
}

function word<T>(words: readonly T[], index: number): T {
  const found = words[index];
  if (found === undefined) throw new Error(`event-ring: a record has code ${index} where there are ${words.length} words`);
  return found;
}

function checkText(text: string): void {
  if (text.length > MAX_TEXT) throw new Error(`event-ring: id longer than ${MAX_TEXT} characters: ${text.slice(0, 40)}…`);
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) throw new Error(`event-ring: id is not ASCII: ${text}`);
}

class RingView {
  protected readonly control: Int32Array;
  protected readonly f64: Float64Array;
  protected readonly i32: Int32Array;
  protected readonly bytes: Buffer;
  protected readonly size: number; // words
  protected readonly mask: number;

  constructor(ring: SharedArrayBuffer) {
    this.control = new Int32Array(ring, 0, CONTROL_BYTES / 4);
    this.size = (ring.byteLength - RING_OFFSET) / 8;
    this.mask = this.size - 1;
    this.f64 = new Float64Array(ring, RING_OFFSET, this.size);
    this.i32 = new Int32Array(ring, RING_OFFSET, this.size * 2);
    this.bytes = Buffer.from(ring, RING_OFFSET, this.size * 8);
  }

  // Tells the other side why no more records will come: the writer's thread threw, or (the reader's
  // side) that thread exited. The first failure's text is kept.
  fail(message: string): void {
    if (Atomics.compareExchange(this.control, STATE, RUNNING, FAILING) !== RUNNING) return;
    const errors = Buffer.from(this.control.buffer, CONTROL_BYTES, ERROR_BYTES);
    Atomics.store(this.control, ERROR_LENGTH, errors.write(message, 0, 'utf8'));
    Atomics.store(this.control, STATE, FAILED);
    Atomics.notify(this.control, WRITTEN);
    Atomics.notify(this.control, READ);
  }

  // The writer's thread failed (its message), the reader closed the ring, or neither. A change of state
  // is announced with a notify on the counter the other side waits on, and can land between its check
  // and its wait; the waits' timeouts (1 s, 0.1 s) are what bound that.
  protected stopped(): string | undefined {
    const state = Atomics.load(this.control, STATE);
    if (state === RUNNING || state === FAILING) return undefined;
    if (state === CLOSED) return 'closed';
    const errors = Buffer.from(this.control.buffer, CONTROL_BYTES, ERROR_BYTES);
    return errors.toString('utf8', 0, Atomics.load(this.control, ERROR_LENGTH));
  }
}

export class EventRingWriter extends RingView {
  #written: number; // words written, published or not
  #unpublished = 0; // records written since the last publication
  #read: number; // the reader's counter as last seen

  constructor(ring: SharedArrayBuffer) {
    super(ring);
    this.#written = Atomics.load(this.control, WRITTEN);
    this.#read = Atomics.load(this.control, READ);
  }

  // Appends the event's record, or returns false when the ring has no room for it (nothing written).
  // Throws, writing nothing, for an event the ring cannot carry.
  tryAppend(event: SimEvent): boolean {
    const counterparty = event.counterparty;
    const incident = event.incident;
    if (typeof counterparty === 'string') checkText(counterparty);
    if (incident !== undefined) checkText(incident);
    const codes =
      (event.accountType === 'checking' ? 0 : 1) |
      (code(TYPE_CODE, event.type) << 1) |
      (code(CHANNEL_CODE, event.channel) << 4) |
      ((event.category === undefined ? 0 : code(CATEGORY_CODE, event.category)) << 7) |
      ((event.declined === undefined ? 0 : code(DECLINE_CODE, event.declined)) << 12) |
      (code(LABEL_CODE, event.label) << 15);
    let pos = this.#written & this.mask;
    const toEnd = this.size - pos;
    const needed = toEnd < MAX_RECORD_WORDS ? toEnd + MAX_RECORD_WORDS : MAX_RECORD_WORDS;
    if (this.size - ((this.#written - this.#read) | 0) < needed) {
      this.#read = Atomics.load(this.control, READ);
      if (this.size - ((this.#written - this.#read) | 0) < needed) return false;
    }
    const i32 = this.i32;
    if (toEnd < MAX_RECORD_WORDS) {
      i32[2 * pos] = WRAP;
      this.#written = (this.#written + toEnd) | 0;
      pos = 0;
    }
    const f64 = this.f64;
    let text = (pos + HEAD_WORDS) * 8;
    let kind = NO_COUNTERPARTY;
    let merchant = 0;
    let counterpartyLength = 0;
    if (typeof counterparty === 'number') {
      kind = MERCHANT;
      merchant = counterparty;
    } else if (counterparty !== undefined) {
      kind = TEXT;
      counterpartyLength = this.#writeText(counterparty, text);
      text += counterpartyLength;
    }
    const incidentLength = incident === undefined ? 0 : this.#writeText(incident, text);
    i32[2 * pos] = codes | (kind << 18);
    i32[2 * pos + 1] = counterpartyLength | (incidentLength << 8);
    f64[pos + 1] = event.atMs;
    f64[pos + 2] = event.seq;
    f64[pos + 3] = event.amount;
    f64[pos + 4] = event.balance;
    f64[pos + 5] = event.lowBalanceThreshold;
    f64[pos + 6] = event.overdraftLimit;
    i32[2 * (pos + 7)] = event.customerIndex;
    i32[2 * (pos + 7) + 1] = merchant;
    this.#written = (this.#written + recordWords(counterpartyLength + incidentLength)) | 0;
    if (++this.#unpublished === PUBLISH_EVERY) this.publish();
    return true;
  }

  // Appends the event's record, waiting for the reader to make room. Returns false once the reader has
  // closed the ring.
  append(event: SimEvent): boolean {
    while (!this.tryAppend(event)) {
      this.publish();
      const read = Atomics.load(this.control, READ);
      if (this.stopped() !== undefined) return false;
      if (read === this.#read) Atomics.wait(this.control, READ, read, 1000);
      this.#read = Atomics.load(this.control, READ);
    }
    return true;
  }

  publish(): void {
    this.#unpublished = 0;
    Atomics.store(this.control, WRITTEN, this.#written);
    Atomics.notify(this.control, WRITTEN);
  }

  // An id checkText passed.
  #writeText(text: string, at: number): number {
    const bytes = this.bytes;
    for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
    return text.length;
  }
}

export class EventRingReader extends RingView {
  readonly #context: EventContext;
  #read: number; // words read, published or not
  #unpublished = 0;
  #written: number; // the writer's counter as last seen
  readonly #incidents = new Map<string, EventIncident>(); // by id, forgotten now and then (incidents end)
  #closed = false;

  constructor(ring: SharedArrayBuffer, context: EventContext) {
    super(ring);
    this.#context = context;
    this.#read = Atomics.load(this.control, READ);
    this.#written = Atomics.load(this.control, WRITTEN);
  }

  // The next event, or undefined when the writer has published none yet.
  tryNext(): SimEvent | undefined {
    if (this.#read === this.#written) {
      this.#written = Atomics.load(this.control, WRITTEN);
      if (this.#read === this.#written) return undefined;
    }
    let pos = this.#read & this.mask;
    const i32 = this.i32;
    let codes = i32[2 * pos] as number;
    if (codes === WRAP) {
      this.#read = (this.#read + this.size - pos) | 0;
      pos = 0;
      codes = i32[0] as number;
    }
    const f64 = this.f64;
    const texts = i32[2 * pos + 1] as number;
    const counterpartyLength = texts & 0xff;
    const incidentLength = texts >>> 8;
    const text = (pos + HEAD_WORDS) * 8;
    const kind = (codes >>> 18) & 3;
    if (kind > TEXT) throw new Error(`event-ring: a record has counterparty kind ${kind}`);
    const counterparty = kind === MERCHANT ? (i32[2 * (pos + 7) + 1] as number) : kind === TEXT ? this.bytes.toString('latin1', text, text + counterpartyLength) : undefined;
    const category = (codes >>> 7) & 31;
    const declined = (codes >>> 12) & 7;
    const event = new SimEvent(
      this.#context,
      f64[pos + 2] as number,
      f64[pos + 1] as number,
      i32[2 * (pos + 7)] as number,
      (codes & 1) === 0 ? 'checking' : 'savings',
      f64[pos + 5] as number,
      f64[pos + 6] as number,
      word(TRANSACTION_TYPES, (codes >>> 1) & 7),
      f64[pos + 3] as number,
      f64[pos + 4] as number,
      word(CHANNELS, (codes >>> 4) & 7),
      counterparty,
      category === 0 ? undefined : word(MERCHANT_CATEGORIES, category - 1),
      declined === 0 ? undefined : word(DECLINE_REASONS, declined - 1),
      incidentLength === 0 ? undefined : this.#incident(this.bytes.toString('latin1', text + counterpartyLength, text + counterpartyLength + incidentLength), (codes >>> 15) & 7),
    );
    this.#read = (this.#read + recordWords(counterpartyLength + incidentLength)) | 0;
    if (++this.#unpublished === PUBLISH_EVERY) this.publish();
    return event;
  }

  // The next event, waiting for the writer. Throws when the writer's thread failed or the ring is closed,
  // and when no record comes for `timeoutMs` (a writer that died without saying so).
  next(timeoutMs = 30_000): SimEvent {
    if (this.#closed) throw new Error('the simulator has been closed');
    let event = this.tryNext();
    if (event !== undefined) return event;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.publish();
      const failure = this.stopped();
      if (failure !== undefined) throw new Error(`the simulator's thread failed: ${failure}`);
      Atomics.wait(this.control, WRITTEN, this.#written, 100);
      event = this.tryNext();
      if (event !== undefined) return event;
      if (performance.now() > deadline) throw new Error(`the simulator's thread sent no event for ${timeoutMs / 1000} s`);
    }
  }

  publish(): void {
    this.#unpublished = 0;
    Atomics.store(this.control, READ, this.#read);
    Atomics.notify(this.control, READ);
  }

  // Tells the writer to stop.
  close(): void {
    this.#closed = true;
    Atomics.store(this.control, STATE, CLOSED);
    Atomics.notify(this.control, READ);
  }

  #incident(id: string, labelCode: number): EventIncident {
    let incident = this.#incidents.get(id);
    if (incident === undefined) {
      const label = word(SIM_LABELS, labelCode);
      incident = { id, label, headers: incidentHeaders(id, label) };
      if (this.#incidents.size >= 4096) this.#incidents.clear();
      this.#incidents.set(id, incident);
    }
    return incident;
  }
}
