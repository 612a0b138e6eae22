// Node flags for the processor's own process (`buzzline start` and the benchmarks pass them). They size
// the Kafka thread's heap (the consumer's fetches, the producer's sends, snapshots on their way to the
// state topic), which V8 creates before any of our code runs; the processing threads' heaps are sized
// when they are made (runner-thread.ts), and this flag does not reach them.
//
// Semi-spaces of 4 MB (an 8 MB young generation): what the Kafka thread allocates lives for one fetch or
// one send. The flag used to say 16, when it also sized the processing thread, and the Kafka thread's
// young generation then sat at its 32 MB limit. Processor alone (300,000 of the bench's records already
// in the topic, runs interleaved on a loaded machine): peak RSS 350 and 360 MB at 4 against 376 and 380
// at 16, CPU time 17.0 and 15.8 s against 17.1 and 16.0 s. (Semi-spaces of 8 for both threads had cost
// 15-20% more CPU: that was the processing thread, the bottleneck, which keeps 16.)
export const PROCESSOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
