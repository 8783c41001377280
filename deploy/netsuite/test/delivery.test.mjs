// The scripts' requests against the real `tandem serve`: events are accepted (202); a 503 puts
// the request in the outbox and the retry script delivers it once tandem answers; a refused
// request stays in the outbox as failed; a quantity transaction sends one event per item.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { suiteScripts } from '../test_support/scripts.mjs';
import { fakeRecord, userEvent } from '../test_support/records.mjs';
import { startTandem } from '../test_support/tandem_server.mjs';
import { startUnavailableProxy } from '../test_support/processes.mjs';

const EVENTS_PATH = '/webhooks/netsuite/events';
const OUTBOX = 'customrecord_tandem_outbox';
// What the admin stores in API Secrets, and the whsec_ secret tandem is given for it.
const STORED_SECRET = randomBytes(32).toString('hex');
const TANDEM_SECRET = `whsec_${Buffer.from(STORED_SECRET, 'utf8').toString('base64')}`;

let tandem;

before(async () => {
  tandem = await startTandem({ webhookSecret: TANDEM_SECRET });
});

after(async () => {
  await tandem?.stop();
});

function scripts(url, initial = {}) {
  const loaded = suiteScripts(initial);
  loaded.ns.state.secrets.custsecret_tandem_webhook = STORED_SECRET;
  loaded.ns.state.parameters.custscript_tandem_url = url;
  return loaded;
}

function customer(id, values = {}) {
  return fakeRecord({
    type: 'customer',
    id,
    values: { companyname: `Customer ${id}`, email: 'ap@acme.example', lastmodifieddate: new Date(), ...values },
  });
}

function outboxEntries(ns) {
  return Object.entries(ns.state.customRecords[OUTBOX] || {}).map(([id, values]) => ({ id, ...values }));
}

test('a customer change posted by the script is accepted by tandem', () => {
  const { ns, load } = scripts(tandem.url(EVENTS_PATH));
  const results = load('tandem_ue').afterSubmit(userEvent('create', customer(1001)));
  assert.deepEqual(results.map((r) => r.verdict), ['delivered']);
  assert.equal(ns.state.posts.length, 1);
  const { request, answer } = ns.state.posts[0];
  assert.equal(answer.code, 202);
  assert.deepEqual(JSON.parse(answer.body), { accepted: 1 });
  const sent = JSON.parse(request.body);
  assert.equal(sent.object, 'customer');
  assert.equal(sent.record_id, '1001');
  assert.equal(sent.change, 'created');
  assert.equal(sent.fields.companyname, 'Customer 1001');
  assert.deepEqual(outboxEntries(ns), []);
});

test('tandem accepts the event of every record type the script reports', () => {
  const { ns, load } = scripts(tandem.url(EVENTS_PATH), { items: { 77: { type: 'InvtPart', quantityavailable: '3' } } });
  const script = load('tandem_ue');
  const types = Object.keys(load('tandem_records').RECORDS);
  assert.ok(types.length >= 20);
  for (const type of types) {
    const saved = fakeRecord({
      type,
      id: 77,
      values: { lastmodifieddate: new Date(), tranid: 'T-77', statusRef: 'open', duedate: new Date(), entity: '5' },
      texts: { entity: 'Acme' },
      sublists: { apply: [{ doc: '12', apply: true, amount: 10 }] },
    });
    script.afterSubmit(userEvent('edit', saved, saved));
  }
  assert.equal(ns.state.posts.length, types.length);
  for (const { request, answer } of ns.state.posts) {
    const sent = JSON.parse(request.body);
    assert.equal(answer.code, 202, `${sent.object}: ${answer.body}`);
    assert.deepEqual(JSON.parse(answer.body), { accepted: 1 });
  }
});

test('a 503 goes to the outbox, and the retry script delivers it once tandem answers', async () => {
  const proxy = await startUnavailableProxy(tandem.url(''));
  try {
    const { ns, load } = scripts(proxy.url(EVENTS_PATH));
    const delivery = load('tandem_delivery');
    const results = load('tandem_ue').afterSubmit(userEvent('edit', customer(1002), customer(1002)));
    assert.equal(results[0].verdict, 'retry');
    assert.equal(results[0].code, 503);

    const [entry] = outboxEntries(ns);
    assert.equal(entry.custrecord_tandem_status, 'pending');
    assert.equal(entry.custrecord_tandem_attempts, 1);
    assert.match(entry.custrecord_tandem_last_error, /^HTTP 503/);
    const firstId = ns.state.posts[0].request.headers['webhook-id'];
    assert.equal(entry.custrecord_tandem_event_id, firstId);

    // Not due yet: nothing is sent.
    const early = delivery.retryDue(new Date(), {});
    assert.equal(early.notDue, 1);
    assert.equal(ns.state.posts.length, 1);

    // Still down when due: rescheduled with a longer delay.
    const due = new Date(entry.custrecord_tandem_next_attempt.getTime() + 1000);
    const again = delivery.retryDue(due, {});
    assert.equal(again.rescheduled, 1);
    const [rescheduled] = outboxEntries(ns);
    assert.equal(rescheduled.custrecord_tandem_attempts, 2);
    assert.ok(rescheduled.custrecord_tandem_next_attempt.getTime() - due.getTime() >= 2 * 60 * 1000);

    await proxy.forward();
    const later = new Date(rescheduled.custrecord_tandem_next_attempt.getTime() + 1000);
    const counts = load('tandem_delivery').retryDue(later, {});
    assert.equal(counts.delivered, 1);
    assert.deepEqual(outboxEntries(ns), []);
    const last = ns.state.posts.at(-1);
    assert.equal(last.answer.code, 202);
    assert.equal(last.request.headers['webhook-id'], firstId);
    assert.equal(last.request.body, entry.custrecord_tandem_payload);

    // tandem holds it: the same webhook-id again is a duplicate.
    const repeat = delivery.attempt(tandem.url(EVENTS_PATH), firstId, entry.custrecord_tandem_payload);
    assert.equal(repeat.code, 202);
    assert.deepEqual(JSON.parse(ns.state.posts.at(-1).answer.body), { accepted: 0, duplicates: 1 });
  } finally {
    await proxy.stop();
  }
});

test('an event tandem refuses is kept in the outbox as failed, with the error', () => {
  const { ns, load } = scripts(tandem.url(EVENTS_PATH));
  ns.state.secrets.custsecret_tandem_webhook = 'not-the-secret-tandem-knows-000000';
  const results = load('tandem_ue').afterSubmit(userEvent('edit', customer(1003), customer(1003)));
  assert.equal(results[0].verdict, 'failed');
  assert.equal(results[0].code, 401);
  const [entry] = outboxEntries(ns);
  assert.equal(entry.custrecord_tandem_status, 'failed');
  assert.match(entry.custrecord_tandem_last_error, /^HTTP 401/);
  assert.equal('custrecord_tandem_next_attempt' in entry, false);
  // The retry script leaves failed entries alone.
  const counts = load('tandem_delivery').retryDue(new Date(Date.now() + 86400000), {});
  assert.deepEqual([counts.delivered, counts.rescheduled, counts.notDue], [0, 0, 0]);
  assert.ok(ns.state.logs.some((l) => l.level === 'error' && !l.details.includes(STORED_SECRET)));
});

test('an item fulfillment sends one inventorylevel event per stock item, accepted by tandem', () => {
  const { ns, load } = scripts(tandem.url(EVENTS_PATH), {
    items: {
      11: { type: 'InvtPart', quantityavailable: '7' },
      12: { type: 'Assembly', quantityavailable: '' },
      13: { type: 'NonInvtPart', quantityavailable: '' },
    },
  });
  const fulfillment = fakeRecord({
    type: 'itemfulfillment',
    id: 900,
    values: { lastmodifieddate: new Date() },
    sublists: { item: [{ item: '11' }, { item: '12' }, { item: '11' }, { item: '13' }] },
  });
  const results = load('tandem_ue').afterSubmit(userEvent('create', fulfillment));
  assert.deepEqual(results.map((r) => r.verdict), ['delivered']);
  assert.equal(ns.state.posts.length, 1);
  const { request, answer } = ns.state.posts[0];
  assert.deepEqual(JSON.parse(answer.body), { accepted: 2 });
  const sent = JSON.parse(request.body).events;
  assert.deepEqual(sent.map((e) => [e.object, e.record_id, e.fields.quantityavailable]), [
    ['inventorylevel', '11', 7],
    ['inventorylevel', '12', 0],
  ]);
});

test('an assembly build reports the built assembly and its components; an edit also the removed ones', () => {
  const { ns, load } = scripts(tandem.url(EVENTS_PATH), {
    items: {
      20: { type: 'Assembly', quantityavailable: '5' },
      21: { type: 'InvtPart', quantityavailable: '40' },
      22: { type: 'InvtPart', quantityavailable: '8' },
    },
  });
  const build = (components) => fakeRecord({
    type: 'assemblybuild', id: 901, values: { item: '20' }, sublists: { component: components },
  });
  load('tandem_ue').afterSubmit(userEvent('edit', build([{ item: '21' }]), build([{ item: '21' }, { item: '22' }])));
  const { request, answer } = ns.state.posts[0];
  assert.deepEqual(JSON.parse(answer.body), { accepted: 3 });
  assert.deepEqual(JSON.parse(request.body).events.map((e) => e.record_id), ['20', '21', '22']);
});
