// Whether a record handed to the StreamRunner may be processed now. Four things say no, and they overlap (a
// rebalance's checkpoint runs while the loop waits for the new assignment; a send can fail during either):
// - exclusive work (a checkpoint, a partition's restore, waiting for room to send) holds the loop;
// - a rebalance pauses it until the new assignment arrives;
// - a failure of background work ends it: the next record rethrows it;
// - shutting down: records are ignored from then on (they stay uncommitted for the next owner).
// Each is kept as it is, and `open` is recomputed whenever one changes: per record the runner reads one field.
export class Admission {
  open = true;
  private lock: Promise<void> | null = null;
  private pause: { promise: Promise<void>; resume: () => void } | null = null;
  private failure: { error: unknown } | null = null;
  private ignoring = false;

  // Exclusive work runs.
  get busy(): boolean {
    return this.lock !== null;
  }

  get paused(): boolean {
    return this.pause !== null;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  // No exclusive work, no rebalance, no failure: periodic work may start.
  get idle(): boolean {
    return this.lock === null && this.pause === null && this.failure === null;
  }

  // Records are dropped, not held.
  get stopped(): boolean {
    return this.ignoring;
  }

  throwIfFailed(): void {
    if (this.failure !== null) throw this.failure.error;
  }

  // The first failure is the one reported.
  fail(error: unknown): void {
    this.failure ??= { error };
    this.update();
  }

  pauseUntilResumed(): void {
    if (this.pause !== null) return;
    let resume = () => {};
    const promise = new Promise<void>((resolve) => (resume = resolve));
    this.pause = { promise, resume };
    this.update();
  }

  resume(): void {
    const pause = this.pause;
    this.pause = null;
    this.update();
    pause?.resume();
  }

  stop(): void {
    this.ignoring = true;
    this.resume();
  }

  // Resolves once neither exclusive work nor a rebalance holds records back; rejects on a failure.
  async turn(): Promise<void> {
    for (;;) {
      this.throwIfFailed();
      const wait = this.lock ?? this.pause?.promise;
      if (wait === undefined) return;
      await wait;
    }
  }

  // Runs fn once no other exclusive work runs; records wait while it does. It does not start after a
  // failure: nothing may be stored or committed once something went wrong.
  async exclusive(fn: () => Promise<void>): Promise<void> {
    while (this.lock !== null) await this.lock;
    this.throwIfFailed();
    const run = fn();
    const lock = run.then(
      () => undefined,
      () => undefined,
    );
    this.lock = lock;
    this.update();
    try {
      await run;
    } finally {
      if (this.lock === lock) {
        this.lock = null;
        this.update();
      }
    }
  }

  // Exclusive work nobody awaits (a timer, a rebalance): its failure stops the loop at the next record.
  background(fn: () => Promise<void>): Promise<void> {
    const run = this.exclusive(fn);
    run.catch((err: unknown) => this.fail(err));
    return run;
  }

  private update(): void {
    this.open = this.lock === null && this.pause === null && this.failure === null && !this.ignoring;
  }
}
