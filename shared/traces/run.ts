/** The deep-trace commands of the work queue, each run with its report (`runReported`). */
import { type Command, PoisonMessageError } from '../commands/contract.js';
import { runReported } from '../commands/run.js';
import { checkIncidentTrace } from './check.js';
import type { TraceDeps } from './deps.js';
import { startIncidentTraces } from './start.js';
import { stopIncidentTraces } from './stop.js';

export async function runTraceCommand(command: Command, deps: TraceDeps): Promise<unknown> {
  return runReported(command, deps, async (logger) => {
    const scoped = { ...deps, logger };
    switch (command.type) {
      case 'trace.start': {
        const results = await startIncidentTraces(command, scoped);
        // A redelivery that found only its own traces already running has nothing new to say.
        if (results.every((r) => r.result === 'already-tracing')) return results;
        const text = results.map((r) => `${r.deviceName}: ${r.result}${r.result === 'started' ? ` (trace ${r.traceId})` : r.result === 'would-start' && r.appName ? ` (app ${r.appName})` : ''}`).join('; ');
        // A chat trace has no incident a person would recognise: name the user instead.
        const subject = command.requestedBy.kind === 'slack' || command.requestedBy.kind === 'teams' ? command.userEmails.join(', ') : command.incident.incidentId;
        await deps.reporter.report({ kind: command.dryRun ? 'trace.dry-run' : 'trace.started', ok: true, text: `${command.dryRun ? 'Dry run: would start a deep trace' : 'Deep trace'} for ${subject} — ${text}`, data: { incident: command.incident, results } }, command.reply);
        return results;
      }
      case 'trace.check':
        return checkIncidentTrace(command, scoped);
      case 'trace.stop':
        return stopIncidentTraces(command, scoped);
      default:
        throw new PoisonMessageError(`the trace worker does not handle ${command.type}; it belongs on the policy queue`);
    }
  });
}
