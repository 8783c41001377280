// Records as a user event script sees them: getValue/getText/getLineCount/getSublistValue over
// plain objects. Empty fields read as '' like NetSuite's.
export function fakeRecord({ type, id, values = {}, texts = {}, sublists = {} }) {
  return {
    type,
    id,
    getValue: ({ fieldId }) => (fieldId in values ? values[fieldId] : ''),
    getText: ({ fieldId }) => (fieldId in texts ? texts[fieldId] : ''),
    getLineCount: ({ sublistId }) => (sublists[sublistId] || []).length,
    getSublistValue: ({ sublistId, fieldId, line }) => {
      const row = (sublists[sublistId] || [])[line] || {};
      return fieldId in row ? row[fieldId] : '';
    },
  };
}

export const UserEventType = {
  CREATE: 'create',
  EDIT: 'edit',
  XEDIT: 'xedit',
  DELETE: 'delete',
};

/** The context afterSubmit receives. */
export function userEvent(type, newRecord, oldRecord = null) {
  return { type, newRecord, oldRecord, UserEventType };
}
