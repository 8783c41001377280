/**
 * tandem: building the JSON change events tandem's NetSuite endpoint takes (DESIGN §4):
 * {object, record_id, change, version, modified_by, origin, fields, execution_context, role}.
 * Pure: it reads records only through the getValue/getText/getSublistValue calls it is given.
 *
 * @NApiVersion 2.1
 * @NModuleScope SameAccount
 */
define(['./tandem_records'], (records) => {
    /** SuiteScript user event types → the event's `change`. */
    function changeOf(eventType) {
        const type = String(eventType || '').toLowerCase();
        if (type === 'create' || type === 'copy' || type === 'dropship' || type === 'specialorder'
            || type === 'transform') {
            return 'created';
        }
        if (type === 'delete') {
            return 'deleted';
        }
        return 'updated';
    }

    /** RFC 3339 with milliseconds, UTC (the `version` tandem orders a record's events by). */
    function rfc3339(date) {
        return new Date(date).toISOString();
    }

    function pad(number) {
        return String(number).padStart(2, '0');
    }

    /** A date field's value as YYYY-MM-DD (the calendar date NetSuite shows). */
    function calendarDate(date) {
        return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
    }

    function isBlank(value) {
        return value === null || value === undefined || value === '';
    }

    /** One field as tandem expects it: selects as references, dates as YYYY-MM-DD. */
    function fieldValue(record, field) {
        const source = records.STATUS_FIELD_SOURCE[field];
        if (source) {
            const id = record.getValue({ fieldId: source });
            return isBlank(id) ? plain(record.getValue({ fieldId: field })) : id;
        }
        const value = record.getValue({ fieldId: field });
        if (records.SELECT_FIELDS.includes(field)) {
            if (isBlank(value)) {
                return null;
            }
            return { id: String(value), refName: record.getText({ fieldId: field }) };
        }
        return plain(value);
    }

    function plain(value) {
        if (value instanceof Date) {
            return calendarDate(value);
        }
        return isBlank(value) ? null : value;
    }

    /** The lines of a sublist, each with the given fields (select values as their id). */
    function sublistLines(record, sublistId, fields) {
        const count = record.getLineCount({ sublistId });
        const lines = [];
        for (let line = 0; line < count; line += 1) {
            const out = {};
            fields.forEach((fieldId) => {
                const value = record.getSublistValue({ sublistId, fieldId, line });
                out[fieldId] = isBlank(value) ? null : value;
            });
            lines.push(out);
        }
        return lines;
    }

    /** The source fields tandem's mapping reads for this record type. */
    function fieldsOf(record, spec) {
        const fields = {};
        spec.fields.forEach((field) => {
            fields[field] = fieldValue(record, field);
        });
        Object.keys(spec.sublists || {}).forEach((sublistId) => {
            const lines = sublistLines(record, sublistId, spec.sublists[sublistId]);
            // A payment reports only the invoices it applies to.
            fields[sublistId] = sublistId === 'apply' ? lines.filter((l) => l.apply === true) : lines;
        });
        return fields;
    }

    /**
     * The change event of one record.
     * options: {type, record, eventType, user, role, executionContext, now, extraFields}
     * `record` is the new record (the old one for a delete).
     */
    function recordEvent(options) {
        const spec = records.RECORDS[options.type];
        const change = changeOf(options.eventType);
        const modified = options.record.getValue({ fieldId: 'lastmodifieddate' });
        // A delete has no new modification time: the deletion happens now.
        const version = change === 'deleted' || isBlank(modified) ? options.now : modified;
        const origin = options.record.getValue({ fieldId: spec.origin });
        const fields = fieldsOf(options.record, spec);
        Object.assign(fields, options.extraFields || {});
        return {
            object: options.type,
            record_id: String(options.record.id),
            change,
            version: rfc3339(version),
            modified_by: String(options.user),
            origin: isBlank(origin) ? null : String(origin),
            execution_context: options.executionContext,
            role: String(options.role),
            fields,
        };
    }

    /** The `inventorylevel` event of one item: its quantity available as read `now`. */
    function inventoryLevelEvent(options) {
        return {
            object: records.INVENTORY_LEVEL,
            record_id: String(options.itemId),
            change: 'updated',
            // The quantity is read at this moment, so this moment orders it against others.
            version: rfc3339(options.now),
            modified_by: String(options.user),
            origin: null,
            execution_context: options.executionContext,
            role: String(options.role),
            fields: { quantityavailable: options.quantityAvailable },
        };
    }

    /** A webhook-id: unique per event, kept across every retry of that event. */
    function webhookId(event, random) {
        const stamp = Date.parse(event.version);
        const suffix = Math.floor(random() * 0xffffffff).toString(16).padStart(8, '0');
        return `ns_${event.object}_${event.record_id}_${stamp}_${suffix}`;
    }

    /** The request body: one event as is, several as {"events": [...]}. */
    function body(events) {
        return JSON.stringify(events.length === 1 ? events[0] : { events });
    }

    return { changeOf, rfc3339, calendarDate, recordEvent, inventoryLevelEvent, webhookId, body };
});
