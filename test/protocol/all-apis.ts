// Every API whose schema is defined, for tests that sweep all messages and versions.

import type { Api } from '../../src/protocol/api.ts';
import { Produce } from '../../src/protocol/messages/00-produce.ts';
import { Fetch } from '../../src/protocol/messages/01-fetch.ts';
import { ListOffsets } from '../../src/protocol/messages/02-list-offsets.ts';
import { Metadata } from '../../src/protocol/messages/03-metadata.ts';
import { OffsetCommit } from '../../src/protocol/messages/08-offset-commit.ts';
import { OffsetFetch } from '../../src/protocol/messages/09-offset-fetch.ts';
import { FindCoordinator } from '../../src/protocol/messages/10-find-coordinator.ts';
import { JoinGroup } from '../../src/protocol/messages/11-join-group.ts';
import { Heartbeat } from '../../src/protocol/messages/12-heartbeat.ts';
import { LeaveGroup } from '../../src/protocol/messages/13-leave-group.ts';
import { SyncGroup } from '../../src/protocol/messages/14-sync-group.ts';
import { DescribeGroups } from '../../src/protocol/messages/15-describe-groups.ts';
import { ListGroups } from '../../src/protocol/messages/16-list-groups.ts';
import { SaslHandshake } from '../../src/protocol/messages/17-sasl-handshake.ts';
import { ApiVersions } from '../../src/protocol/messages/18-api-versions.ts';
import { CreateTopics } from '../../src/protocol/messages/19-create-topics.ts';
import { DeleteTopics } from '../../src/protocol/messages/20-delete-topics.ts';
import { InitProducerId } from '../../src/protocol/messages/22-init-producer-id.ts';
import { DescribeConfigs } from '../../src/protocol/messages/32-describe-configs.ts';
import { SaslAuthenticate } from '../../src/protocol/messages/36-sasl-authenticate.ts';
import { DescribeCluster } from '../../src/protocol/messages/60-describe-cluster.ts';
import { DeleteGroups } from '../../src/protocol/messages/42-delete-groups.ts';
import { OffsetDelete } from '../../src/protocol/messages/47-offset-delete.ts';
import type { Message } from '../../src/protocol/schema.ts';

export const ALL_APIS: readonly Api<unknown, unknown>[] = [
  Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch, FindCoordinator, JoinGroup, Heartbeat,
  LeaveGroup, SyncGroup, DescribeGroups, ListGroups, SaslHandshake, ApiVersions, CreateTopics, DeleteTopics, InitProducerId,
  DescribeConfigs, SaslAuthenticate, DeleteGroups, OffsetDelete, DescribeCluster,
];

export function versionsOf(m: Message<unknown>): number[] {
  const out: number[] = [];
  for (let v = m.versions.min; v <= m.versions.max; v++) out.push(v);
  return out;
}
