// The retry policy: what each answer means and when the next attempt is due.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suiteScripts } from '../test_support/scripts.mjs';

const policy = suiteScripts().load('tandem_retry_policy');

test('2xx is delivered; no answer, 408, 429 and 5xx are retried; other answers failed', () => {
  assert.equal(policy.outcome(202), 'delivered');
  assert.equal(policy.outcome(200), 'delivered');
  for (const code of [null, 408, 429, 500, 502, 503, 504]) {
    assert.equal(policy.outcome(code), 'retry', String(code));
  }
  for (const code of [301, 400, 401, 403, 404, 413, 415]) {
    assert.equal(policy.outcome(code), 'failed', String(code));
  }
});

test('the delay doubles from one minute and stops at six hours', () => {
  assert.deepEqual([1, 2, 3, 4].map((n) => policy.delayMs(n)), [60000, 120000, 240000, 480000]);
  assert.equal(policy.delayMs(10), 6 * 60 * 60 * 1000);
  assert.equal(policy.delayMs(50), 6 * 60 * 60 * 1000);
});

test('a longer Retry-After wins over the backoff', () => {
  assert.equal(policy.delayMs(1, '600'), 600000);
  assert.equal(policy.delayMs(3, '5'), 240000);
});

test('an entry is due once its next attempt time has come', () => {
  const now = new Date('2026-12-03T08:00:00Z');
  assert.equal(policy.isDue(new Date('2026-12-03T07:59:59Z'), now), true);
  assert.equal(policy.isDue(now, now), true);
  assert.equal(policy.isDue(new Date('2026-12-03T08:00:01Z'), now), false);
  assert.equal(policy.nextAttempt(now, 2).toISOString(), '2026-12-03T08:02:00.000Z');
});
