/**
 * tandem: Standard Webhooks signing with N/crypto. The signed content is
 * `{webhook-id}.{webhook-timestamp}.{body}`, HMAC-SHA256, sent as `webhook-signature: v1,<base64>`.
 *
 * The key is the API Secret `custsecret_tandem_webhook`, read as UTF-8 text: the HMAC key is the
 * bytes of the text stored there. tandem's secret for the same key is `whsec_` + base64 of that
 * text (docs/setup-netsuite.md shows the two commands). The secret never leaves N/crypto.
 *
 * @NApiVersion 2.1
 * @NModuleScope SameAccount
 */
define(['N/crypto', 'N/encode'], (crypto, encode) => {
    const SECRET_ID = 'custsecret_tandem_webhook';

    /** The signing key, from NetSuite API Secrets. */
    function secretKey() {
        return crypto.createSecretKey({ secret: SECRET_ID, encoding: encode.Encoding.UTF_8 });
    }

    function signedContent(id, timestamp, body) {
        return `${id}.${timestamp}.${body}`;
    }

    /** `v1,<base64 HMAC-SHA256>` of the signed content. */
    function signature(key, id, timestamp, body) {
        const hmac = crypto.createHmac({ algorithm: crypto.HashAlg.SHA256, key });
        hmac.update({ input: signedContent(id, timestamp, body), inputEncoding: encode.Encoding.UTF_8 });
        return `v1,${hmac.digest({ outputEncoding: encode.Encoding.BASE_64 })}`;
    }

    /** The request headers for one send: a fresh timestamp, signed now. */
    function headers(key, id, now, body) {
        const timestamp = Math.floor(now.getTime() / 1000);
        return {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signature(key, id, timestamp, body),
        };
    }

    return { SECRET_ID, secretKey, signedContent, signature, headers };
});
