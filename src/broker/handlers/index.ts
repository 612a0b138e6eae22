// Every API the broker serves. Adding a handler here is all it takes for ApiVersions to advertise it.

import type { RegisteredHandler } from '../registry.ts';
import { Registry } from '../registry.ts';
import { produceHandler } from './00-produce.ts';
import { fetchHandler } from './01-fetch.ts';
import { listOffsetsHandler } from './02-list-offsets.ts';
import { metadataHandler } from './03-metadata.ts';
import { apiVersionsHandler } from './18-api-versions.ts';
import { createTopicsHandler } from './19-create-topics.ts';
import { deleteTopicsHandler } from './20-delete-topics.ts';
import { describeConfigsHandler } from './32-describe-configs.ts';
import { describeClusterHandler } from './60-describe-cluster.ts';

export function buildRegistry(): Registry {
  const handlers: RegisteredHandler[] = [
    produceHandler,
    fetchHandler,
    listOffsetsHandler,
    metadataHandler,
    createTopicsHandler,
    deleteTopicsHandler,
    describeConfigsHandler,
    describeClusterHandler,
  ];
  const registry: Registry = new Registry([...handlers, apiVersionsHandler(() => registry)]);
  return registry;
}
