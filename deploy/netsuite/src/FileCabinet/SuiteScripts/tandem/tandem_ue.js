/**
 * tandem: the user event script. After a synced record is saved it posts the change to tandem as
 * a signed JSON change event; after a quantity-changing transaction it posts one `inventorylevel`
 * event per affected stock item. tandem's own writes are skipped (tandem_loop_guard.js); a
 * request tandem does not take goes to the outbox (tandem_delivery.js).
 *
 * Script parameters (each deployment in src/Objects/customscript_tandem_ue.xml sets them):
 *   custscript_tandem_url               tandem's NetSuite endpoint,
 *                                       https://<host>/webhooks/netsuite/events
 *   custscript_tandem_integration_role  internal id(s) of the role tandem's integration uses,
 *                                       comma-separated
 *   custscript_tandem_integration_user  internal id(s) of the integration user(s), optional
 *
 * @NApiVersion 2.1
 * @NScriptType UserEventScript
 * @NModuleScope SameAccount
 */
define(['N/runtime', 'N/record', 'N/log', './tandem_records', './tandem_event', './tandem_loop_guard',
    './tandem_inventory', './tandem_delivery'],
(runtime, record, log, records, events, guard, inventory, delivery) => {
    /** Events one request carries (tandem takes up to 1,000). */
    const EVENTS_PER_REQUEST = 100;

    function settings() {
        const script = runtime.getCurrentScript();
        return {
            url: script.getParameter({ name: 'custscript_tandem_url' }),
            integrationRoles: guard.idList(script.getParameter({ name: 'custscript_tandem_integration_role' })),
            integrationUsers: guard.idList(script.getParameter({ name: 'custscript_tandem_integration_user' })),
            restContext: String(runtime.ContextType.REST_WEBSERVICES).toLowerCase(),
        };
    }

    function post(url, batch, now) {
        const body = events.body(batch);
        const id = events.webhookId(batch[0], Math.random);
        return delivery.send(url, id, body, now);
    }

    function sendRecord(context, type, who, config, now) {
        const spec = records.RECORDS[type];
        const deleted = context.type === context.UserEventType.DELETE;
        let current = deleted ? context.oldRecord : context.newRecord;
        // An inline edit's new record holds only the changed fields, and a new record may not
        // show its modification time yet: then the saved record is read.
        const modified = current.getValue({ fieldId: 'lastmodifieddate' });
        if (!deleted && (context.type === context.UserEventType.XEDIT || !modified)) {
            current = record.load({ type, id: current.id });
        }
        const originBefore = context.oldRecord ? context.oldRecord.getValue({ fieldId: spec.origin }) : null;
        const originAfter = deleted ? originBefore : current.getValue({ fieldId: spec.origin });
        const reason = guard.tandemWriteReason(Object.assign({ originBefore, originAfter }, who), config);
        if (reason) {
            log.debug({ title: 'tandem: skipped', details: `${type} ${current.id}: ${reason}` });
            return null;
        }
        const extraFields = {};
        if (spec.stock && !deleted) {
            const level = inventory.quantitiesAvailable([String(current.id)])[0];
            if (level) {
                extraFields.quantityavailable = level.quantityAvailable;
            }
        }
        const event = events.recordEvent({
            type,
            record: current,
            eventType: context.type,
            user: who.user,
            role: who.role,
            executionContext: who.executionContext,
            now,
            extraFields,
        });
        return [post(config.url, [event], now)];
    }

    function sendInventoryLevels(context, type, who, config, now) {
        const reason = guard.tandemWriteReason(who, config);
        if (reason) {
            log.debug({ title: 'tandem: skipped', details: `${type}: ${reason}` });
            return null;
        }
        const items = inventory.affectedItems(type, [context.newRecord, context.oldRecord]);
        const levels = inventory.quantitiesAvailable(items).map((level) => events.inventoryLevelEvent({
            itemId: level.itemId,
            quantityAvailable: level.quantityAvailable,
            user: who.user,
            role: who.role,
            executionContext: who.executionContext,
            now,
        }));
        const results = [];
        for (let start = 0; start < levels.length; start += EVENTS_PER_REQUEST) {
            results.push(post(config.url, levels.slice(start, start + EVENTS_PER_REQUEST), now));
        }
        return results;
    }

    function afterSubmit(context) {
        const config = settings();
        if (!config.url) {
            log.error({ title: 'tandem: not configured', details: 'set the script parameter custscript_tandem_url' });
            return null;
        }
        const user = runtime.getCurrentUser();
        const who = {
            executionContext: String(runtime.executionContext).toLowerCase(),
            role: user.role,
            user: user.id,
        };
        const type = (context.newRecord || context.oldRecord).type;
        const now = new Date();
        if (records.QUANTITY_TRANSACTIONS[type]) {
            return sendInventoryLevels(context, type, who, config, now);
        }
        if (records.RECORDS[type]) {
            return sendRecord(context, type, who, config, now);
        }
        return null;
    }

    return { afterSubmit };
});
