// Node flags for the processor's own process (`buzzline start` and the benchmarks pass them). The Kafka
// thread (the consumer's fetches, the producer's sends, snapshots on their way to the state topic) keeps
// many objects alive for a few collections, and V8 then lets its young generation grow to 128 MB, about
// half of that thread's heap. Capped at 16 MiB (semi-spaces of 8), the processor's peak RSS over 500,000
// bench records was 502-509 MB against 597-639 MB, at about the same CPU (27.8-29.7 s against 23.6-29.9 s,
// on a loaded machine); semi-spaces of 4 were no lower and cost 30% more CPU. The flag also applies to the
// processing thread, over the 32 MB its worker asks for (runner-thread.ts). V8 reads it only when a heap is
// created, so it cannot be set from inside the process for the Kafka thread.
export const PROCESSOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
