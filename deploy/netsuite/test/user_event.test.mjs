// The user event script's choices per save: which record it reads, what it adds, what it leaves
// alone; and the scheduled retry script's hand-over when governance runs low. No tandem needed:
// requests go to a closed port and land in the outbox, where the tests read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suiteScripts } from '../test_support/scripts.mjs';
import { fakeRecord, userEvent } from '../test_support/records.mjs';

const NOWHERE = 'http://127.0.0.1:9/webhooks/netsuite/events';
const OUTBOX = 'customrecord_tandem_outbox';

function loaded(initial = {}) {
  const scripts = suiteScripts(initial);
  scripts.ns.state.secrets.custsecret_tandem_webhook = 'k'.repeat(32);
  scripts.ns.state.parameters.custscript_tandem_url = NOWHERE;
  return scripts;
}

function sentBodies(ns) {
  return ns.state.posts.map((post) => JSON.parse(post.request.body));
}

test('an inline edit reads the whole record, not only the changed fields', () => {
  const { ns, load } = loaded();
  const full = fakeRecord({ type: 'customer', id: 5, values: { companyname: 'Acme', phone: '555-0100', lastmodifieddate: new Date() } });
  ns.state.loadable['customer:5'] = full;
  const changedOnly = fakeRecord({ type: 'customer', id: 5, values: { phone: '555-0100' } });
  load('tandem_ue').afterSubmit(userEvent('xedit', changedOnly, full));
  const [sent] = sentBodies(ns);
  assert.equal(sent.fields.companyname, 'Acme');
  assert.equal(sent.fields.phone, '555-0100');
});

test('a new record without its modification time is read back for it', () => {
  const { ns, load } = loaded();
  const saved = new Date('2026-12-03T08:01:02.345Z');
  ns.state.loadable['customer:12'] = fakeRecord({ type: 'customer', id: 12, values: { companyname: 'New', lastmodifieddate: saved } });
  load('tandem_ue').afterSubmit(userEvent('create', fakeRecord({ type: 'customer', id: 12, values: { companyname: 'New' } })));
  const [sent] = sentBodies(ns);
  assert.equal(sent.version, saved.toISOString());
  assert.equal(sent.change, 'created');
});

test('a delete is reported from the old record', () => {
  const { ns, load } = loaded();
  const old = fakeRecord({ type: 'contact', id: 8, values: { lastname: 'Doe', lastmodifieddate: new Date(0) } });
  load('tandem_ue').afterSubmit(userEvent('delete', null, old));
  const [sent] = sentBodies(ns);
  assert.deepEqual([sent.object, sent.record_id, sent.change, sent.fields.lastname], ['contact', '8', 'deleted', 'Doe']);
  assert.notEqual(sent.version, new Date(0).toISOString());
});

test('a stock item\'s event carries its quantity available; a service item\'s does not', () => {
  const { ns, load } = loaded({ items: { 31: { type: 'InvtPart', quantityavailable: '12' } } });
  const script = load('tandem_ue');
  script.afterSubmit(userEvent('edit', fakeRecord({ type: 'inventoryitem', id: 31, values: { itemid: 'SKU-31', lastmodifieddate: new Date() } })));
  script.afterSubmit(userEvent('edit', fakeRecord({ type: 'serviceitem', id: 32, values: { itemid: 'SVC-32', lastmodifieddate: new Date() } })));
  const [stock, service] = sentBodies(ns);
  assert.equal(stock.fields.quantityavailable, 12);
  assert.equal(stock.fields.itemid, 'SKU-31');
  assert.equal('quantityavailable' in service.fields, false);
  assert.equal(service.object, 'serviceitem');
});

test('a record type tandem does not sync is left alone', () => {
  const { ns, load } = loaded();
  const result = load('tandem_ue').afterSubmit(userEvent('edit', fakeRecord({ type: 'vendor', id: 3 })));
  assert.equal(result, null);
  assert.equal(ns.state.posts.length, 0);
});

test('without the tandem URL nothing is sent and the error is logged', () => {
  const { ns, load } = loaded();
  ns.state.parameters.custscript_tandem_url = '';
  load('tandem_ue').afterSubmit(userEvent('edit', fakeRecord({ type: 'customer', id: 4 })));
  assert.equal(ns.state.posts.length, 0);
  assert.ok(ns.state.logs.some((l) => l.level === 'error' && l.details.includes('custscript_tandem_url')));
});

test('a network error puts the request in the outbox as pending', () => {
  const { ns, load } = loaded();
  const [result] = load('tandem_ue').afterSubmit(userEvent('create', fakeRecord({ type: 'customer', id: 6, values: { lastmodifieddate: new Date() } })));
  assert.equal(result.verdict, 'retry');
  assert.equal(result.code, null);
  const [entry] = Object.values(ns.state.customRecords[OUTBOX]);
  assert.equal(entry.custrecord_tandem_status, 'pending');
  assert.match(entry.custrecord_tandem_last_error, /SSS_CONNECTION_FAILED/);
});

test('the retry script queues itself again when governance runs low before the outbox is done', () => {
  const { ns, load } = loaded();
  const script = load('tandem_ue');
  script.afterSubmit(userEvent('create', fakeRecord({ type: 'customer', id: 10, values: { lastmodifieddate: new Date() } })));
  script.afterSubmit(userEvent('create', fakeRecord({ type: 'customer', id: 11, values: { lastmodifieddate: new Date() } })));
  assert.equal(Object.keys(ns.state.customRecords[OUTBOX]).length, 2);
  ns.state.remainingUsage = 5;
  const counts = load('tandem_outbox_ss').execute();
  assert.equal(counts.unfinished, true);
  assert.equal(ns.state.tasks.length, 1);
  assert.equal(ns.state.tasks[0].taskType, 'SCHEDULED_SCRIPT');
  assert.equal(ns.state.posts.length, 2, 'nothing was resent without governance left');
});

test('the retry script sends the soonest due entries first and one an admin set back to pending', () => {
  const { ns, load } = loaded();
  const outbox = load('tandem_outbox');
  const later = outbox.add({ eventId: 'ns_later', url: NOWHERE, payload: '{}', attempts: 3, nextAttempt: new Date('2026-12-03T10:00:00Z'), status: 'pending' });
  const sooner = outbox.add({ eventId: 'ns_sooner', url: NOWHERE, payload: '{}', attempts: 1, nextAttempt: new Date('2026-12-03T09:00:00Z'), status: 'pending' });
  const reset = outbox.add({ eventId: 'ns_reset', url: NOWHERE, payload: '{}', attempts: 5, status: 'pending' });
  assert.deepEqual(outbox.pendingIds(10), [reset, sooner, later]);
  const counts = load('tandem_delivery').retryDue(new Date('2026-12-03T09:30:00Z'), {});
  assert.deepEqual([counts.rescheduled, counts.notDue], [2, 1]);
  assert.deepEqual(ns.state.posts.map((p) => p.request.headers['webhook-id']), ['ns_reset', 'ns_sooner']);
  assert.equal(ns.state.customRecords[OUTBOX][reset].custrecord_tandem_attempts, 6);
});
