// ListGroups (key 16), versions 0-5. Every group, including those that only hold committed offsets (their
// protocol type is empty).
// - v4 statesFilter and groupState (KIP-518); states match case-insensitively, an empty filter is all.
// - v5 typesFilter and groupType (KIP-848): every group here is "classic".

import { ErrorCode } from '../../protocol/error-codes.ts';
import { ListGroups } from '../../protocol/messages/16-list-groups.ts';
import { defineHandler } from '../registry.ts';

const GROUP_TYPE = 'classic';

export const listGroupsHandler = defineHandler({
  api: ListGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(req, { broker, header }) {
    const v = header.apiVersion;
    const states = new Set((v >= 4 ? req.statesFilter : []).map((s) => s.toLowerCase()));
    const types = new Set((v >= 5 ? req.typesFilter : []).map((s) => s.toLowerCase()));
    const res = ListGroups.response.zero();
    res.errorCode = ErrorCode.NONE;
    if (types.size > 0 && !types.has(GROUP_TYPE)) return res;
    res.groups = broker.coordinator.listGroups()
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: GROUP_TYPE }));
    return res;
  },
});
