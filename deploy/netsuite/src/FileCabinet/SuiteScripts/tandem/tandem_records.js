/**
 * tandem: which NetSuite record types the user event script reports, and how.
 *
 * The source fields each record type sends are the ones tandem's default mapping (mapping.toml)
 * reads for it, plus the link and matching fields its flows use. Select fields are sent as
 * NetSuite references ({"id", "refName"}), dates as YYYY-MM-DD, checkboxes as booleans.
 *
 * @NApiVersion 2.1
 * @NModuleScope SameAccount
 */
define([], () => {
    const ENTITY_ORIGIN = 'custentity_tandem_origin';
    const TRANSACTION_ORIGIN = 'custbody_tandem_origin';
    const ITEM_ORIGIN = 'custitem_tandem_origin';

    /** The object name tandem's inventory flow takes: one event per item, record_id = item id. */
    const INVENTORY_LEVEL = 'inventorylevel';

    const ITEM_FIELDS = ['itemid', 'displayname', 'salesdescription', 'isinactive', 'externalid'];

    /** Item record types (SuiteScript record.Type values). Sale, resale and purchase subtypes
     *  of non-inventory, service and other charge items share one record type each. */
    const ITEM_TYPES = [
        'inventoryitem',
        'lotnumberedinventoryitem',
        'serializedinventoryitem',
        'noninventoryitem',
        'serviceitem',
        'otherchargeitem',
        'kititem',
        'assemblyitem',
        'lotnumberedassemblyitem',
        'serializedassemblyitem',
        'discountitem',
        'markupitem',
        'subtotalitem',
        'descriptionitem',
        'paymentitem',
        'giftcertificateitem',
        'downloaditem',
    ];

    /** Item types that hold stock: their events also carry `quantityavailable`. */
    const STOCK_ITEM_TYPES = [
        'inventoryitem',
        'lotnumberedinventoryitem',
        'serializedinventoryitem',
        'assemblyitem',
        'lotnumberedassemblyitem',
        'serializedassemblyitem',
    ];

    /** Record types whose changes are sent as change events of the record itself. */
    const RECORDS = {
        customer: {
            origin: ENTITY_ORIGIN,
            fields: ['companyname', 'url', 'phone', 'email', 'creditlimit', 'terms', 'balance',
                'externalid', 'custentity_sf_account_id'],
        },
        contact: {
            origin: ENTITY_ORIGIN,
            fields: ['firstname', 'lastname', 'email', 'phone', 'mobilephone', 'title', 'company',
                'externalid'],
        },
        salesorder: {
            origin: TRANSACTION_ORIGIN,
            fields: ['tranid', 'entity', 'trandate', 'memo', 'otherrefnum', 'status', 'externalid',
                'custbody_deal_type', 'custbody_product_line', 'custbody_discount_approved'],
        },
        invoice: {
            origin: TRANSACTION_ORIGIN,
            fields: ['tranid', 'entity', 'status', 'amountremaining', 'total', 'duedate',
                'createdfrom'],
        },
        customerpayment: {
            origin: TRANSACTION_ORIGIN,
            fields: ['tranid', 'customer', 'trandate', 'payment'],
            // tandem syncs every invoice a payment applies to (`doc` of the applied lines).
            sublists: { apply: ['doc', 'apply', 'amount'] },
        },
    };
    ITEM_TYPES.forEach((type) => {
        RECORDS[type] = { origin: ITEM_ORIGIN, fields: ITEM_FIELDS, stock: STOCK_ITEM_TYPES.includes(type) };
    });

    /** Transactions that change quantities, and where their items are. */
    const QUANTITY_TRANSACTIONS = {
        itemreceipt: { sublists: ['item'] },
        itemfulfillment: { sublists: ['item'] },
        inventoryadjustment: { sublists: ['inventory'] },
        inventorytransfer: { sublists: ['inventory'] },
        // The built assembly (body field `item`) and the components it consumed.
        assemblybuild: { body: ['item'], sublists: ['component'] },
    };

    /** Fields that are selects: sent as {"id", "refName"}. */
    const SELECT_FIELDS = ['terms', 'entity', 'createdfrom', 'customer', 'company'];

    /** Transaction status fields are sent as the status id (`paidInFull`), which tandem's
     *  invoice_status table keys on; `statusRef` holds it in SuiteScript. */
    const STATUS_FIELD_SOURCE = { status: 'statusRef' };

    return {
        RECORDS,
        QUANTITY_TRANSACTIONS,
        SELECT_FIELDS,
        STATUS_FIELD_SOURCE,
        INVENTORY_LEVEL,
        ITEM_TYPES,
        STOCK_ITEM_TYPES,
        ENTITY_ORIGIN,
        TRANSACTION_ORIGIN,
        ITEM_ORIGIN,
    };
});
