// Node flags for the processor's own process (`buzzline start` and the benchmarks pass them). The Kafka
// thread (the consumer's fetches, the producer's sends, snapshots on their way to the state topic) keeps
// many objects alive for a few collections, and V8 then lets its young generation grow to 128 MB, about
// half of that thread's heap. Capped at 32 MB (semi-spaces of 16), the processor's peak RSS in the
// end-to-end bench (500,000 transactions) was 562-580 MB against 627-649 MB, for CPU within the run-to-run
// noise (23.5-24.6 s against 21.0-24.3 s). Semi-spaces of 8 gave 513-534 MB but cost 15-20% more CPU
// and a lower end-to-end rate, semi-spaces of 4 30% more. The flag applies to the processing thread too,
// where it says what that thread's worker asks for anyway (runner-thread.ts). V8 reads it only when a heap
// is created, so it cannot be set from inside the process for the Kafka thread.
export const PROCESSOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
