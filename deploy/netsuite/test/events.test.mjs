// The change events built for each record type: the documented shape, and the source fields
// tandem's default mapping reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suiteScripts } from '../test_support/scripts.mjs';
import { fakeRecord } from '../test_support/records.mjs';
import { REPO } from '../test_support/tandem_server.mjs';

const { load } = suiteScripts();
const events = load('tandem_event');
const records = load('tandem_records');
const MODIFIED = new Date('2026-11-27T10:15:02.120Z');
const NOW = new Date('2026-12-03T08:00:00.000Z');
const WHO = { user: 7, role: 3, executionContext: 'userinterface', now: NOW };

function build(type, values, extra = {}) {
  const record = fakeRecord({ type, id: 5512, values: { lastmodifieddate: MODIFIED, ...values }, ...extra });
  return events.recordEvent({ type, record, eventType: 'edit', ...WHO });
}

test('an invoice event has the documented shape', () => {
  const event = build('invoice', {
    tranid: 'INV-1007', statusRef: 'open', status: 'Open', amountremaining: 1200, total: 1500,
    duedate: new Date(2026, 11, 27), createdfrom: '77', entity: '12', custbody_tandem_origin: '',
  }, { texts: { createdfrom: 'Sales Order #SO-9', entity: 'Acme' } });
  assert.deepEqual(event, {
    object: 'invoice',
    record_id: '5512',
    change: 'updated',
    version: '2026-11-27T10:15:02.120Z',
    modified_by: '7',
    origin: null,
    execution_context: 'userinterface',
    role: '3',
    fields: {
      tranid: 'INV-1007', entity: { id: '12', refName: 'Acme' }, status: 'open', amountremaining: 1200,
      total: 1500, duedate: '2026-12-27', createdfrom: { id: '77', refName: 'Sales Order #SO-9' },
    },
  });
});

test('a customer event carries its origin stamp and terms as a reference', () => {
  const event = build('customer', {
    companyname: 'Acme', url: 'https://acme.example', terms: '2', creditlimit: 5000,
    custentity_tandem_origin: 'salesforce:msg_1#0',
  }, { texts: { terms: 'Net 30' } });
  assert.equal(event.origin, 'salesforce:msg_1#0');
  assert.deepEqual(event.fields.terms, { id: '2', refName: 'Net 30' });
  assert.equal(event.fields.companyname, 'Acme');
  assert.equal(event.fields.phone, null);
});

test('a payment reports the invoices it applies to', () => {
  const event = build('customerpayment', { tranid: 'PAY-1', payment: 300 }, {
    sublists: { apply: [{ doc: '5512', apply: true, amount: 300 }, { doc: '5513', apply: false, amount: 0 }] },
  });
  assert.deepEqual(event.fields.apply, [{ doc: '5512', apply: true, amount: 300 }]);
});

test('a deleted record is versioned at the deletion', () => {
  const record = fakeRecord({ type: 'customer', id: 9, values: { lastmodifieddate: MODIFIED } });
  const event = events.recordEvent({ type: 'customer', record, eventType: 'delete', ...WHO });
  assert.equal(event.change, 'deleted');
  assert.equal(event.version, NOW.toISOString());
});

test('user event types map to created, updated and deleted', () => {
  assert.equal(events.changeOf('create'), 'created');
  assert.equal(events.changeOf('edit'), 'updated');
  assert.equal(events.changeOf('xedit'), 'updated');
  assert.equal(events.changeOf('approve'), 'updated');
  assert.equal(events.changeOf('delete'), 'deleted');
});

test('an inventory level event names the item and its quantity available', () => {
  const event = events.inventoryLevelEvent({ itemId: 31, quantityAvailable: 12, ...WHO });
  assert.equal(event.object, 'inventorylevel');
  assert.equal(event.record_id, '31');
  assert.deepEqual(event.fields, { quantityavailable: 12 });
  assert.equal(event.version, NOW.toISOString());
});

test('webhook ids are unique per event and fit tandem\'s limit', () => {
  const event = events.inventoryLevelEvent({ itemId: 31, quantityAvailable: 12, ...WHO });
  const first = events.webhookId(event, Math.random);
  const second = events.webhookId(event, Math.random);
  assert.notEqual(first, second);
  assert.match(first, /^[\x21-\x7e]{1,255}$/);
});

test('one event is posted as itself, several as {"events": [...]}', () => {
  assert.deepEqual(JSON.parse(events.body([{ a: 1 }])), { a: 1 });
  assert.deepEqual(JSON.parse(events.body([{ a: 1 }, { a: 2 }])), { events: [{ a: 1 }, { a: 2 }] });
});

test('every NetSuite source field of the default mapping is sent for its record type', () => {
  const mapping = readFileSync(join(REPO, 'mapping.toml'), 'utf8');
  const sources = (flow) => [...mapping.matchAll(new RegExp(`\\[\\[flows\\.${flow}\\.fields\\]\\]\\s*\\nsource = "([^"]+)"(?:[^[]*?fallback = "([^"]+)")?`, 'g'))]
    .flatMap((m) => [m[1], m[2]].filter(Boolean));
  const flows = { customer_to_account: 'customer', invoice_to_opportunity: 'invoice', item_to_product: 'inventoryitem' };
  for (const [flow, type] of Object.entries(flows)) {
    const wanted = sources(flow);
    assert.ok(wanted.length > 0, flow);
    for (const field of wanted) {
      assert.ok(records.RECORDS[type].fields.includes(field.toLowerCase()), `${type} sends ${field}`);
    }
  }
  assert.ok(sources('inventory_to_product').includes('quantityavailable'));
});
