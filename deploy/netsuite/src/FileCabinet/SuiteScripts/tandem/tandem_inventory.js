/**
 * tandem: the items a quantity-changing transaction touched, and their quantity available now.
 *
 * Quantity choice: one item search over the affected items reads the item-level
 * `quantityavailable` column, which is the item's total available quantity summed over all its
 * locations (no location column, so one row per item). That total is what tandem writes to the
 * product (Quantity_Available__c). Stock items (search type InvtPart or Assembly, lot-numbered
 * and serialized ones included) with a blank value have none available: 0. Items that hold no
 * stock (non-inventory, service, kit, ...) get no event.
 *
 * @NApiVersion 2.1
 * @NModuleScope SameAccount
 */
define(['N/search', './tandem_records'], (search, records) => {
    const STOCK_SEARCH_TYPES = ['InvtPart', 'Assembly'];

    /** Item ids on the transaction's item fields and lines, once each, from every record given
     *  (the new and the old one: an edit may have removed a line). */
    function affectedItems(type, recordsToRead) {
        const spec = records.QUANTITY_TRANSACTIONS[type];
        const ids = [];
        const add = (value) => {
            if (value !== null && value !== undefined && value !== '' && !ids.includes(String(value))) {
                ids.push(String(value));
            }
        };
        recordsToRead.filter(Boolean).forEach((record) => {
            (spec.body || []).forEach((fieldId) => add(record.getValue({ fieldId })));
            spec.sublists.forEach((sublistId) => {
                const count = record.getLineCount({ sublistId });
                for (let line = 0; line < count; line += 1) {
                    add(record.getSublistValue({ sublistId, fieldId: 'item', line }));
                }
            });
        });
        return ids;
    }

    /** [{itemId, quantityAvailable}] for the stock items among `itemIds`. */
    function quantitiesAvailable(itemIds) {
        if (itemIds.length === 0) {
            return [];
        }
        const found = [];
        search.create({
            type: search.Type.ITEM,
            filters: [['internalid', search.Operator.ANYOF, itemIds]],
            columns: ['type', 'quantityavailable'],
        }).run().each((result) => {
            if (STOCK_SEARCH_TYPES.includes(result.getValue({ name: 'type' }))) {
                const value = result.getValue({ name: 'quantityavailable' });
                found.push({ itemId: String(result.id), quantityAvailable: value === '' || value === null ? 0 : Number(value) });
            }
            return true;
        });
        return found;
    }

    return { affectedItems, quantitiesAvailable };
});
