// Who else holds partitions in the processor's consumer group. Any client that joins the group with the
// same topic gets a share of the partitions, and the records it reads are never validated, alerted on
// or counted here: a `kcat -G banking-consumer-group` left running quietly halves what buzzline sees.
// Other buzzline processors (same client id) are the intended scale-out and are not warned about.

import { Admin } from '@platformatic/kafka';
import type { KafkaSecurity } from '../kafka-security.ts';
import { describeKafkaError } from '../kafka-errors.ts';

export interface ForeignMembersOptions {
  brokers: string[];
  security: KafkaSecurity;
  group: string;
  topic: string;
  ownClientId: string;
  warn: (line: string) => void;
}

export class ForeignMembers {
  private readonly options: ForeignMembersOptions;
  private readonly admin: Admin;
  private last = '';
  private queue: Promise<void> = Promise.resolve();

  constructor(options: ForeignMembersOptions) {
    this.options = options;
    this.admin = new Admin({ clientId: `${options.ownClientId}-group-watch`, bootstrapBrokers: options.brokers, ...options.security, retries: 1, retryDelay: 250, connectTimeout: 5000 });
  }

  // After each assignment: look at the group's members and warn when the foreign ones changed.
  check(): void {
    this.queue = this.queue.then(() => this.look()).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.admin.close().catch(() => undefined);
  }

  private async look(): Promise<void> {
    const { group, topic, ownClientId } = this.options;
    let described;
    try {
      described = (await this.admin.describeGroups({ groups: [group] })).get(group);
    } catch (error) {
      this.options.warn(`could not check the other members of group ${group}: ${describeKafkaError(error)}`);
      return;
    }
    const foreign: string[] = [];
    for (const member of described?.members.values() ?? []) {
      if (member.clientId === ownClientId) continue;
      const partitions = [...(member.assignments?.values() ?? [])].filter((a) => a.topic === topic).flatMap((a) => a.partitions).sort((a, b) => a - b);
      if (partitions.length > 0) foreign.push(`${member.clientId || '(no client id)'} at ${member.clientHost.replace(/^\//, '')} holds [${partitions.join(', ')}]`);
    }
    const now = foreign.sort().join('; ');
    if (now !== '' && now !== this.last) {
      this.options.warn(`warning: other clients in group ${group} took partitions of ${topic}: ${now}; their records are not processed here (stop them or use another --group)`);
    }
    this.last = now;
  }
}
