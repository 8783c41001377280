// tandem's own writes are not sent back: the user event script skips changes made through REST
// web services (no integration role set), with the integration role or user, or that set the
// origin stamp; a person's change, even right after tandem's write, is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suiteScripts } from '../test_support/scripts.mjs';
import { fakeRecord, userEvent } from '../test_support/records.mjs';

// Nothing listens here: a change that is not skipped is attempted and lands in the outbox.
const NOWHERE = 'http://127.0.0.1:9/webhooks/netsuite/events';

function customer(origin) {
  return fakeRecord({
    type: 'customer',
    id: 42,
    values: { companyname: 'Acme', lastmodifieddate: new Date(), custentity_tandem_origin: origin },
  });
}

function run({ executionContext = 'USERINTERFACE', role = 3, user = 7, parameters = {}, before = '', after = '' }) {
  const { ns, load } = suiteScripts({ executionContext, user: { id: user, role } });
  ns.state.secrets.custsecret_tandem_webhook = 'k'.repeat(32);
  ns.state.parameters = { custscript_tandem_url: NOWHERE, ...parameters };
  const result = load('tandem_ue').afterSubmit(userEvent('edit', customer(after), customer(before)));
  return { result, posts: ns.state.posts, logs: ns.state.logs };
}

test('a change through REST web services is skipped when no integration role is set', () => {
  const { result, posts, logs } = run({ executionContext: 'RESTWEBSERVICES' });
  assert.equal(result, null);
  assert.equal(posts.length, 0);
  assert.ok(logs.some((l) => l.details.includes('REST web services')));
});

test('a change made with the integration role is skipped, in any context', () => {
  const { result, posts } = run({ role: 1037, parameters: { custscript_tandem_integration_role: '1037, 1040' } });
  assert.equal(result, null);
  assert.equal(posts.length, 0);
});

test('a change made by the integration user is skipped', () => {
  const { posts } = run({ user: 55, parameters: { custscript_tandem_integration_user: '55' } });
  assert.equal(posts.length, 0);
});

test('a write that sets the origin stamp is skipped', () => {
  const { posts, logs } = run({ before: 'salesforce:msg_1#0', after: 'salesforce:msg_2#0' });
  assert.equal(posts.length, 0);
  assert.ok(logs.some((l) => l.details.includes('origin stamp')));
});

test('a person\'s edit after tandem\'s write is sent, carrying the stamp as origin', () => {
  const { posts } = run({ before: 'salesforce:msg_1#0', after: 'salesforce:msg_1#0' });
  assert.equal(posts.length, 1);
  const sent = JSON.parse(posts[0].request.body);
  assert.equal(sent.origin, 'salesforce:msg_1#0');
  assert.equal(sent.execution_context, 'userinterface');
  assert.equal(sent.role, '3');
});

test('another integration\'s REST change is sent once the integration role is set', () => {
  const { posts } = run({ executionContext: 'RESTWEBSERVICES', role: 1050, parameters: { custscript_tandem_integration_role: '1037' } });
  assert.equal(posts.length, 1);
  assert.equal(JSON.parse(posts[0].request.body).execution_context, 'restwebservices');
});
