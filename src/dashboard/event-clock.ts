// Where event time stands, and how fast it runs against the wall clock, inferred from the windows the
// dashboard reads: their event-time end against the time they were published (the bank_metrics record's
// timestamp, a wall clock).
//
// The head is the newest window end among the windows published in the last HEAD_SPAN_MS of publish
// time, not the newest ever: when the event clock jumps back (a new bank, a processor restored at another
// time), windows of the new clock are all that is published, and within HEAD_SPAN_MS the head follows
// them instead of waiting for event time to catch up with the abandoned one. Publish times rather than
// arrival times, so a dashboard re-reading history after a restart finds the same head as one that read
// it live.
//
// The speed is event-time progress of the head over publish-time progress: the median over the last
// SPEED_SPAN_MS of the steps between one publish second and the next, so one jump of the clock (a feed
// that starts an hour ahead) does not read as a fast-forward. "Simulated" needs both a speed well above 1 and an event clock ahead of the wall clock: a processor
// catching up a backlog also moves event time faster than the wall clock, but behind it, and a real feed
// runs at 1 however sparse it is.
import type { ClockView } from './views.ts';

export const HEAD_SPAN_MS = 3_000;
const SPEED_SPAN_MS = 60_000;
const SPEED_MIN_SPAN_MS = 5_000;
const SIMULATED_SPEED = 1.5;
const SIMULATED_AHEAD_MS = 10_000;
// A head that moves back by more than this is a new clock; its speed is measured afresh.
const CLOCK_JUMP_MS = 5_000;

interface Sample {
  publishMs: number;
  headMs: number;
}

export class EventClock {
  private latestPublishMs = Number.NEGATIVE_INFINITY;
  private readonly recent = new Map<number, number>(); // publish second -> largest window end published in it
  private head: number | null = null;
  private samples: Sample[] = [];

  get headMs(): number | null {
    return this.head;
  }

  observe(publishMs: number, endMs: number): void {
    const second = Math.floor(publishMs / 1000);
    // The common case, many windows published within the newest second: no second ages out.
    if (second === Math.floor(this.latestPublishMs / 1000) && this.head !== null) {
      if (publishMs > this.latestPublishMs) this.latestPublishMs = publishMs;
      if (endMs > (this.recent.get(second) ?? Number.NEGATIVE_INFINITY)) this.recent.set(second, endMs);
      if (endMs > this.head) this.head = endMs;
      this.sample(this.head);
      return;
    }
    if (publishMs > this.latestPublishMs) this.latestPublishMs = publishMs;
    const oldestSecond = Math.floor((this.latestPublishMs - HEAD_SPAN_MS) / 1000);
    // Published well before the newest window: history that no longer says where the clock is.
    if (second < oldestSecond) return;
    this.recent.set(second, Math.max(this.recent.get(second) ?? Number.NEGATIVE_INFINITY, endMs));
    let head = Number.NEGATIVE_INFINITY;
    for (const [s, end] of this.recent) {
      if (s < oldestSecond) this.recent.delete(s);
      else if (end > head) head = end;
    }
    this.head = head;
    this.sample(head);
  }

  // Event-time milliseconds per published millisecond, null until SPEED_MIN_SPAN_MS were seen.
  speed(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (first === undefined || last === undefined || last.publishMs - first.publishMs < SPEED_MIN_SPAN_MS) return null;
    const steps: number[] = [];
    for (let i = 1; i < this.samples.length; i++) {
      const a = this.samples[i - 1] as Sample;
      const b = this.samples[i] as Sample;
      steps.push((b.headMs - a.headMs) / (b.publishMs - a.publishMs));
    }
    steps.sort((x, y) => x - y);
    const mid = steps.length >> 1;
    return steps.length % 2 === 1 ? (steps[mid] as number) : ((steps[mid - 1] as number) + (steps[mid] as number)) / 2;
  }

  view(): ClockView {
    const speed = this.speed();
    const simulated = speed !== null && speed >= SIMULATED_SPEED && this.head !== null && this.head > this.latestPublishMs + SIMULATED_AHEAD_MS;
    return { headMs: this.head, speed, simulated };
  }

  // One sample per publish second (the latest head in it), the last SPEED_SPAN_MS of them.
  private sample(head: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && head < last.headMs - CLOCK_JUMP_MS) this.samples = [];
    const current = this.samples[this.samples.length - 1];
    if (current !== undefined && Math.floor(current.publishMs / 1000) === Math.floor(this.latestPublishMs / 1000)) {
      current.headMs = head;
      return;
    }
    this.samples.push({ publishMs: this.latestPublishMs, headMs: head });
    const cutoff = this.latestPublishMs - SPEED_SPAN_MS;
    let drop = 0;
    while (drop < this.samples.length - 1 && (this.samples[drop] as Sample).publishMs < cutoff) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }
}
