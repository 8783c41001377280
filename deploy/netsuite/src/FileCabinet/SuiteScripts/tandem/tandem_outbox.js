/**
 * tandem: the outbox, custom record customrecord_tandem_outbox. One entry per event request
 * NetSuite could not deliver: its webhook-id, target URL, body, attempts, next attempt time,
 * last error and status (`pending`: the retry script sends it again when due; `failed`: tandem
 * refused it and resending would not help). Admins list the entries under
 * Customization > Lists, Records, & Fields > Record Types > tandem outbox.
 *
 * @NApiVersion 2.1
 * @NModuleScope SameAccount
 */
define(['N/record', 'N/search'], (record, search) => {
    const TYPE = 'customrecord_tandem_outbox';
    const FIELDS = {
        eventId: 'custrecord_tandem_event_id',
        url: 'custrecord_tandem_url',
        payload: 'custrecord_tandem_payload',
        attempts: 'custrecord_tandem_attempts',
        nextAttempt: 'custrecord_tandem_next_attempt',
        lastError: 'custrecord_tandem_last_error',
        status: 'custrecord_tandem_status',
    };
    const PENDING = 'pending';
    const FAILED = 'failed';
    /** The error text field holds up to 4,000 characters. */
    const MAX_ERROR = 3900;

    function values(entry) {
        const out = {};
        Object.keys(FIELDS).forEach((key) => {
            if (entry[key] !== undefined) {
                out[FIELDS[key]] = key === 'lastError' ? String(entry[key] || '').slice(0, MAX_ERROR) : entry[key];
            }
        });
        return out;
    }

    /** Stores an undelivered request; returns the entry's internal id. */
    function add(entry) {
        const created = record.create({ type: TYPE });
        created.setValue({ fieldId: 'name', value: entry.eventId });
        setAll(created, entry);
        return created.save();
    }

    /** Sets the entry's given fields; a null leaves the field empty. */
    function setAll(target, entry) {
        const fields = values(entry);
        Object.keys(fields).forEach((fieldId) => {
            if (fields[fieldId] !== null) {
                target.setValue({ fieldId, value: fields[fieldId] });
            }
        });
    }

    /** Internal ids of pending entries, soonest due first, at most `limit`. */
    function pendingIds(limit) {
        return search.create({
            type: TYPE,
            filters: [[FIELDS.status, search.Operator.IS, PENDING]],
            columns: [search.createColumn({ name: FIELDS.nextAttempt, sort: search.Sort.ASC })],
        }).run().getRange({ start: 0, end: limit }).map((result) => result.id);
    }

    function load(id) {
        const entry = record.load({ type: TYPE, id });
        const read = (key) => entry.getValue({ fieldId: FIELDS[key] });
        return {
            id,
            eventId: read('eventId'),
            url: read('url'),
            payload: read('payload'),
            attempts: Number(read('attempts')) || 0,
            nextAttempt: read('nextAttempt') || null,
            status: read('status'),
        };
    }

    /** Loads and saves rather than submitFields: the next attempt is a date-time, set as a Date. */
    function update(id, entry) {
        const stored = record.load({ type: TYPE, id });
        setAll(stored, entry);
        stored.save();
    }

    function remove(id) {
        record.delete({ type: TYPE, id });
    }

    return { TYPE, FIELDS, PENDING, FAILED, add, pendingIds, load, update, remove };
});
