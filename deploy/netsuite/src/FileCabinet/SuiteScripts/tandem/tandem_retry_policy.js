/**
 * tandem: what a delivery attempt's outcome means, and when the next attempt is due. Pure.
 *
 * 2xx: delivered. A network error, a timeout, 408, 429 and 5xx: tandem is away or busy, so the
 * event waits in the outbox and is sent again, with exponential backoff (1 min doubling, at most
 * 6 h; a longer Retry-After wins). Nothing is dropped while tandem is down. Any other answer
 * (400 malformed, 401 signature, 413 too large, ...) will not change by resending: the outbox
 * keeps the event as failed, with the error, for an admin to look at.
 *
 * @NApiVersion 2.1
 * @NModuleScope SameAccount
 */
define([], () => {
    const FIRST_DELAY_MS = 60 * 1000;
    const MAX_DELAY_MS = 6 * 60 * 60 * 1000;

    /** 'delivered' | 'retry' | 'failed' for a response code, or for no response (null). */
    function outcome(code) {
        if (code === null || code === undefined) {
            return 'retry';
        }
        if (code >= 200 && code < 300) {
            return 'delivered';
        }
        if (code === 408 || code === 429 || code >= 500) {
            return 'retry';
        }
        return 'failed';
    }

    /** Delay before attempt `attempts + 1`, after `attempts` failed ones (1, 2, ...). */
    function delayMs(attempts, retryAfterSeconds) {
        const exponent = Math.max(0, Math.min(attempts - 1, 20));
        const backoff = Math.min(FIRST_DELAY_MS * 2 ** exponent, MAX_DELAY_MS);
        const asked = Number(retryAfterSeconds) > 0 ? Number(retryAfterSeconds) * 1000 : 0;
        return Math.max(backoff, Math.min(asked, MAX_DELAY_MS));
    }

    /** The time the next attempt is due. */
    function nextAttempt(now, attempts, retryAfterSeconds) {
        return new Date(now.getTime() + delayMs(attempts, retryAfterSeconds));
    }

    /** Whether an outbox entry is due at `now`. */
    function isDue(nextAttemptAt, now) {
        return !nextAttemptAt || new Date(nextAttemptAt).getTime() <= now.getTime();
    }

    return { outcome, delayMs, nextAttempt, isDue, FIRST_DELAY_MS, MAX_DELAY_MS };
});
