// DeleteGroups (key 42), versions 0-2. Removes groups without members, with their committed offsets;
// GROUP_ID_NOT_FOUND for unknown groups, NON_EMPTY_GROUP while members remain.

import { DeleteGroups } from '../../protocol/messages/42-delete-groups.ts';
import { defineHandler } from '../registry.ts';

export const deleteGroupsHandler = defineHandler({
  api: DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  handle(req, { broker }) {
    const res = DeleteGroups.response.zero();
    res.results = req.groupsNames.map((groupId) => ({ groupId, errorCode: broker.coordinator.deleteGroup(groupId) }));
    return res;
  },
});
