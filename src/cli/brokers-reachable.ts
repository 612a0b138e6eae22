// The start-up check every client command makes before its run begins: can we talk Kafka to the
// bootstrap brokers at all? A name that does not resolve or a port nobody listens on is a typo or a
// cluster that is not there, so the command says so in one line and exits, instead of entering the
// backoff retry that is meant for outages after a good start.

import { Admin } from '@platformatic/kafka';
import type { KafkaSecurity } from '../kafka-security.ts';
import { describeKafkaError } from '../kafka-errors.ts';

export const REACHABLE_TIMEOUT_MS = 8_000;

export class BrokersUnreachable extends Error {}

// Resolves once one broker answered a metadata request through @platformatic/kafka; rejects with a
// BrokersUnreachable whose message names the addresses and the cause, within timeoutMs.
export async function checkBrokersReachable(brokers: string[], security: KafkaSecurity, timeoutMs = REACHABLE_TIMEOUT_MS): Promise<void> {
  const admin = new Admin({
    clientId: 'buzzline-startup-check',
    bootstrapBrokers: brokers,
    ...security,
    retries: 0,
    connectTimeout: Math.min(5_000, timeoutMs),
    timeout: timeoutMs,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${(timeoutMs / 1000).toFixed(0)} s`)), timeoutMs);
  });
  try {
    await Promise.race([admin.metadata({ topics: [] }), timeout]);
  } catch (error) {
    throw new BrokersUnreachable(`cannot reach Kafka at ${brokers.join(',')}: ${describeKafkaError(error)}`);
  } finally {
    clearTimeout(timer);
    await admin.close().catch(() => undefined);
  }
}

// For the one-shot commands (topics, groups, tail): the check, with its one line on stderr and exit code 1
// when it fails. Returns whether the command may go on.
export async function reachableOrReport(command: string, brokers: string[], security: KafkaSecurity): Promise<boolean> {
  try {
    await checkBrokersReachable(brokers, security);
    return true;
  } catch (error) {
    console.error(`buzzline ${command}: ${(error as Error).message} (check --brokers / KAFKA_BROKERS)`);
    process.exitCode = 1;
    return false;
  }
}
