// Node flags for the broker's own process (`buzzline start` and the tests' and benchmarks' brokers pass
// them; `npm run broker` too). V8 lets its young generation grow to 32 MiB when objects keep surviving
// collections, as a busy broker's requests and responses in flight do: a third to a half of the broker's
// heap, for objects that live a few milliseconds. Capped at 8 MiB (semi-spaces of 4), the broker's peak
// resident memory under a full-speed producer and processor was 15-33 MB lower in our runs, at no CPU
// cost we could measure (young collections get more frequent, and each has as little to copy as
// before). V8 reads the flag only when it starts, so it cannot be set from inside the process.
export const BROKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
