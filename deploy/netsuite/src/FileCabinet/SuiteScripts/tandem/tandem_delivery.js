/**
 * tandem: sending a signed request to tandem, and the outbox when that fails. NetSuite does not
 * retry a failed POST from a script, so an undelivered request is stored in the outbox and the
 * retry script (tandem_outbox_ss.js) sends it again: same webhook-id (tandem drops a duplicate),
 * a fresh timestamp and signature on every attempt. Logs name the webhook-id and the error,
 * never the secret or the record's data.
 *
 * @NApiVersion 2.1
 * @NModuleScope SameAccount
 */
define(['N/https', 'N/log', './tandem_signing', './tandem_retry_policy', './tandem_outbox'],
    (https, log, signing, policy, outbox) => {
        const MAX_SHOWN_BODY = 500;

        function header(headers, name) {
            const key = Object.keys(headers || {}).find((k) => k.toLowerCase() === name);
            return key === undefined ? null : headers[key];
        }

        /** One POST, signed now: {code, error, retryAfter}; code is null when nothing answered. */
        function attempt(url, id, body) {
            try {
                const response = https.post({
                    url,
                    body,
                    headers: signing.headers(signing.secretKey(), id, new Date(), body),
                });
                const ok = response.code >= 200 && response.code < 300;
                return {
                    code: response.code,
                    error: ok ? null : `HTTP ${response.code}: ${String(response.body || '').slice(0, MAX_SHOWN_BODY)}`,
                    retryAfter: header(response.headers, 'retry-after'),
                };
            } catch (e) {
                return { code: null, error: `${e.name || 'Error'}: ${e.message || e}`, retryAfter: null };
            }
        }

        /**
         * Sends one request; an undelivered one goes to the outbox.
         * Returns {verdict: 'delivered' | 'retry' | 'failed', code, error, outboxId}.
         */
        function send(url, id, body, now) {
            const result = attempt(url, id, body);
            const verdict = policy.outcome(result.code);
            if (verdict === 'delivered') {
                return { verdict, code: result.code };
            }
            const outboxId = outbox.add({
                eventId: id,
                url,
                payload: body,
                attempts: 1,
                nextAttempt: verdict === 'retry' ? policy.nextAttempt(now, 1, result.retryAfter) : null,
                lastError: result.error,
                status: verdict === 'retry' ? outbox.PENDING : outbox.FAILED,
            });
            log.error({ title: 'tandem: event not delivered', details: `${id} ${verdict}: ${result.error}` });
            return { verdict, code: result.code, error: result.error, outboxId };
        }

        /**
         * Sends the outbox entries due at `now`: delivered ones are deleted, refused ones kept as
         * failed, the others rescheduled. Stops early, with `unfinished` set, when `hasUsage()`
         * says governance runs low.
         */
        function retryDue(now, options) {
            const limit = (options && options.limit) || 1000;
            const hasUsage = (options && options.hasUsage) || (() => true);
            const counts = { delivered: 0, rescheduled: 0, failed: 0, notDue: 0, unfinished: false };
            const ids = outbox.pendingIds(limit);
            for (let i = 0; i < ids.length; i += 1) {
                if (!hasUsage()) {
                    counts.unfinished = true;
                    break;
                }
                const entry = outbox.load(ids[i]);
                if (!policy.isDue(entry.nextAttempt, now)) {
                    counts.notDue += 1;
                    continue;
                }
                const result = attempt(entry.url, entry.eventId, entry.payload);
                const verdict = policy.outcome(result.code);
                const attempts = entry.attempts + 1;
                if (verdict === 'delivered') {
                    outbox.remove(entry.id);
                    counts.delivered += 1;
                } else if (verdict === 'retry') {
                    outbox.update(entry.id, {
                        attempts,
                        nextAttempt: policy.nextAttempt(now, attempts, result.retryAfter),
                        lastError: result.error,
                    });
                    counts.rescheduled += 1;
                } else {
                    outbox.update(entry.id, { attempts, lastError: result.error, status: outbox.FAILED });
                    log.error({ title: 'tandem: event refused', details: `${entry.eventId}: ${result.error}` });
                    counts.failed += 1;
                }
            }
            // Past `limit` pending entries, the next scheduled run goes on.
            return counts;
        }

        return { send, retryDue, attempt };
    });
