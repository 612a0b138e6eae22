// Broker, topic and consumer-group overview (cluster-overview.ts), polled every few seconds into the
// hub. Topics and groups are polled and reported independently, so a broker without group APIs still
// gets a topic overview.
import type { Logger } from 'pino';
import type { KafkaSecurity } from '../kafka-security.ts';
import { describeKafkaError } from '../kafka-errors.ts';
import { ClusterOverview, type Offsets } from './cluster-overview.ts';
import type { Hub } from './hub.ts';

export interface ClusterPollerOptions {
  brokers: string[];
  security?: KafkaSecurity;
  clientId?: string;
  intervalMs?: number;
  logger?: Logger;
}

export class ClusterPoller {
  private readonly hub: Hub;
  private readonly overview: ClusterOverview;
  private readonly intervalMs: number;
  private readonly logger: Logger | undefined;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(hub: Hub, options: ClusterPollerOptions) {
    this.hub = hub;
    this.intervalMs = options.intervalMs ?? 2000;
    this.logger = options.logger;
    this.overview = new ClusterOverview({ brokers: options.brokers, ...(options.security ? { security: options.security } : {}), clientId: options.clientId ?? 'buzzline-dashboard-admin' });
  }

  start(): void {
    if (this.running !== null || this.closed) return;
    this.running = this.loop();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.wake?.();
    await this.running;
    await this.overview.close();
  }

  // One poll: topics first (their end offsets are needed for lag), then groups.
  async pollOnce(): Promise<void> {
    let offsets: Offsets = new Map();
    try {
      const result = await this.overview.topics();
      offsets = result.offsets;
      this.hub.setTopics(result.view);
    } catch (error) {
      this.hub.setTopics({ ...this.hub.topicsView(), error: this.report('topics', error) });
    }
    try {
      this.hub.setGroups(await this.overview.groups(offsets));
    } catch (error) {
      this.hub.setGroups({ ...this.hub.groupsView(), error: this.report('groups', error) });
    }
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      await this.pollOnce();
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.intervalMs);
      });
    }
  }

  private report(what: string, error: unknown): string {
    const message = describeKafkaError(error);
    this.logger?.debug({ err: message }, `dashboard: ${what} unavailable`);
    return message;
  }
}
