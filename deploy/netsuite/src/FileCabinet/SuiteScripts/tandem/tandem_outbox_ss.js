/**
 * tandem: the retry script. Runs on its schedule (every 15 minutes) and sends the outbox entries
 * that are due, signing each afresh; it queues itself again when governance runs low before the
 * outbox is done.
 *
 * @NApiVersion 2.1
 * @NScriptType ScheduledScript
 * @NModuleScope SameAccount
 */
define(['N/runtime', 'N/task', 'N/log', './tandem_delivery'], (runtime, task, log, delivery) => {
    /** Units one entry may cost: load 2, POST 10, delete or update 2, with room to spare. */
    const UNITS_PER_ENTRY = 20;

    function execute() {
        const script = runtime.getCurrentScript();
        const counts = delivery.retryDue(new Date(), {
            hasUsage: () => script.getRemainingUsage() > UNITS_PER_ENTRY,
        });
        log.audit({ title: 'tandem: outbox', details: JSON.stringify(counts) });
        if (counts.unfinished) {
            try {
                task.create({
                    taskType: task.TaskType.SCHEDULED_SCRIPT,
                    scriptId: script.id,
                    deploymentId: script.deploymentId,
                }).submit();
            } catch (e) {
                // Already queued: the next run continues.
                log.debug({ title: 'tandem: outbox continues on the next run', details: e.message });
            }
        }
        return counts;
    }

    return { execute };
});
