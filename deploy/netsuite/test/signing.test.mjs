// Signing: the shipped N/crypto code reproduces the Standard Webhooks test vectors, and the key
// an admin stores in API Secrets signs what tandem's whsec_ secret verifies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { suiteScripts } from '../test_support/scripts.mjs';

// The vectors of the Standard Webhooks specification, as recorded in
// test_support/standard-webhooks-test-vectors.txt.
function vectors() {
  const text = readFileSync(new URL('../test_support/standard-webhooks-test-vectors.txt', import.meta.url), 'utf8');
  return text.split(/^Vector \d+$/m).slice(1).map((block) => {
    const value = (name) => block.match(new RegExp(`^\\s*${name}\\s*: (.*)$`, 'm'))[1];
    return {
      secret: value('secret'),
      id: value('webhook-id'),
      timestamp: Number(value('webhook-timestamp')),
      body: value('body'),
      signature: value('webhook-signature'),
    };
  });
}
const VECTORS = vectors();

test('the signature matches both Standard Webhooks test vectors', () => {
  assert.equal(VECTORS.length, 2);
  assert.equal(VECTORS[0].signature, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  for (const vector of VECTORS) {
    const { ns, load } = suiteScripts();
    const signing = load('tandem_signing');
    // The vector's key bytes are the base64 after whsec_; given to N/crypto as such.
    ns.state.secrets.custsecret_vector = vector.secret.slice('whsec_'.length);
    const key = ns.modules['N/crypto'].createSecretKey({ secret: 'custsecret_vector', encoding: 'BASE_64' });
    assert.equal(signing.signature(key, vector.id, vector.timestamp, vector.body), vector.signature);
  }
});

test('the signed content is id, timestamp and body joined by dots', () => {
  const { load } = suiteScripts();
  assert.equal(load('tandem_signing').signedContent('msg_1', 1614265330, '{"a":1}'), 'msg_1.1614265330.{"a":1}');
});

test('the key comes from the API secret custsecret_tandem_webhook, read as UTF-8 text', () => {
  const { ns, load } = suiteScripts();
  const signing = load('tandem_signing');
  assert.equal(signing.SECRET_ID, 'custsecret_tandem_webhook');
  assert.throws(() => signing.secretKey(), /custsecret_tandem_webhook/);
  const stored = 'a3f1c9e07b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d2f4a';
  ns.state.secrets.custsecret_tandem_webhook = stored;
  const key = signing.secretKey();
  const signed = signing.signature(key, 'msg_2', 1700000000, '{"b":2}');
  // tandem is given whsec_ + base64(stored text): its key is the same bytes.
  const whsec = `whsec_${Buffer.from(stored, 'utf8').toString('base64')}`;
  const tandemKey = Buffer.from(whsec.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', tandemKey).update('msg_2.1700000000.{"b":2}').digest('base64');
  assert.equal(signed, `v1,${expected}`);
});

test('headers carry the id, a timestamp in seconds and the signature over them', () => {
  const { ns, load } = suiteScripts();
  ns.state.secrets.custsecret_tandem_webhook = 'x'.repeat(32);
  const signing = load('tandem_signing');
  const now = new Date('2026-12-03T08:00:00.900Z');
  const headers = signing.headers(signing.secretKey(), 'ns_1', now, '{}');
  assert.equal(headers['webhook-id'], 'ns_1');
  assert.equal(headers['webhook-timestamp'], String(Math.floor(now.getTime() / 1000)));
  assert.equal(headers['content-type'], 'application/json');
  assert.equal(headers['webhook-signature'], signing.signature(signing.secretKey(), 'ns_1', headers['webhook-timestamp'], '{}'));
});

test('no script file holds a secret or logs one', () => {
  for (const name of ['tandem_signing', 'tandem_delivery', 'tandem_ue', 'tandem_outbox_ss']) {
    const source = readFileSync(new URL(`../src/FileCabinet/SuiteScripts/tandem/${name}.js`, import.meta.url), 'utf8');
    assert.doesNotMatch(source, /whsec_[A-Za-z0-9+/=]{8,}/, name);
    assert.doesNotMatch(source, /log\.\w+\([^)]*(secret|key)/i, name);
  }
});
