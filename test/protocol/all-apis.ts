// Every API whose schema is defined, for tests that sweep all messages and versions.

import type { Api } from '../../src/protocol/api.ts';
import { Produce } from '../../src/protocol/messages/00-produce.ts';
import { Fetch } from '../../src/protocol/messages/01-fetch.ts';
import { ListOffsets } from '../../src/protocol/messages/02-list-offsets.ts';
import { Metadata } from '../../src/protocol/messages/03-metadata.ts';
import { ApiVersions } from '../../src/protocol/messages/18-api-versions.ts';
import { CreateTopics } from '../../src/protocol/messages/19-create-topics.ts';
import { DeleteTopics } from '../../src/protocol/messages/20-delete-topics.ts';
import { DescribeConfigs } from '../../src/protocol/messages/32-describe-configs.ts';
import { DescribeCluster } from '../../src/protocol/messages/60-describe-cluster.ts';
import type { Message } from '../../src/protocol/schema.ts';

export const ALL_APIS: readonly Api<unknown, unknown>[] = [
  Produce, Fetch, ListOffsets, Metadata, ApiVersions, CreateTopics, DeleteTopics, DescribeConfigs, DescribeCluster,
];

export function versionsOf(m: Message<unknown>): number[] {
  const out: number[] = [];
  for (let v = m.versions.min; v <= m.versions.max; v++) out.push(v);
  return out;
}
