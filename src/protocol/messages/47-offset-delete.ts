// OffsetDelete (key 47), version 0 only, never flexible.
// Deletes committed offsets of a group for the listed partitions. The top-level errorCode covers the
// group (e.g. GROUP_ID_NOT_FOUND); a partition still consumed by an active member gets
// GROUP_SUBSCRIBED_TO_TOPIC.

import { api } from '../api.ts';
import { array, f, int16, int32, message, string, struct } from '../schema.ts';

export const OffsetDeleteRequest = message({
  apiKey: 47,
  name: 'OffsetDeleteRequest',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: {
    groupId: f(string, '0+'),
    topics: f(array(struct({
      name: f(string, '0+'),
      partitions: f(array(struct({
        partitionIndex: f(int32, '0+'),
      })), '0+'),
    })), '0+'),
  },
});

export const OffsetDeleteResponse = message({
  apiKey: 47,
  name: 'OffsetDeleteResponse',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: {
    errorCode: f(int16, '0+'),
    throttleTimeMs: f(int32, '0+'),
    topics: f(array(struct({
      name: f(string, '0+'),
      partitions: f(array(struct({
        partitionIndex: f(int32, '0+'),
        errorCode: f(int16, '0+'),
      })), '0+'),
    })), '0+'),
  },
});

export const OffsetDelete = api(OffsetDeleteRequest, OffsetDeleteResponse);
