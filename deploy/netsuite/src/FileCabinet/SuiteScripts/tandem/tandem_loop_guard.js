/**
 * tandem: recognising tandem's own writes at the source (DESIGN §3, first layer), so that they
 * are never sent back to tandem. Pure.
 *
 * A change is tandem's when
 *  - it was made with one of the integration roles or by one of the integration users
 *    (script parameters), in any context; or
 *  - it came through REST web services and no integration role or user is configured: tandem
 *    writes only through REST, and without the role there is nothing to tell it apart from
 *    other REST integrations (set the role to sync those); or
 *  - this very write set or changed the origin stamp (custentity/custbody/custitem_tandem_origin):
 *    tandem stamps every write with the id of the event that caused it. A later human edit
 *    leaves the stamp as it is, so it still syncs.
 *
 * @NApiVersion 2.1
 * @NModuleScope SameAccount
 */
define([], () => {
    const REST_WEB_SERVICES = 'restwebservices';

    /** A comma-separated script parameter as a list of ids. */
    function idList(text) {
        return String(text || '')
            .split(',')
            .map((id) => id.trim())
            .filter((id) => id !== '');
    }

    function blank(value) {
        return value === null || value === undefined || value === '';
    }

    /**
     * Why this change is tandem's own, or null when it is not.
     * change: {executionContext, role, user, originBefore, originAfter}
     * settings: {integrationRoles: [...], integrationUsers: [...], restContext}
     *   restContext: runtime.ContextType.REST_WEBSERVICES, lowercase.
     */
    function tandemWriteReason(change, settings) {
        const roles = settings.integrationRoles || [];
        const users = settings.integrationUsers || [];
        if (roles.includes(String(change.role))) {
            return 'made with the integration role';
        }
        if (users.includes(String(change.user))) {
            return 'made by the integration user';
        }
        const context = String(change.executionContext || '').toLowerCase();
        if (context === (settings.restContext || REST_WEB_SERVICES) && roles.length === 0 && users.length === 0) {
            return 'made through REST web services';
        }
        if (!blank(change.originAfter) && String(change.originAfter) !== String(change.originBefore || '')) {
            return 'this write set the origin stamp';
        }
        return null;
    }

    return { tandemWriteReason, idList, REST_WEB_SERVICES };
});
