/**
 * The load generator's own process (forked by bench/run.ts), so its CPU and event loop are
 * separate from the emulator's, the gateway's and the orchestrator's. Protocol over IPC:
 * `{id, spec}` in; `{id, result}` or `{id, error}` out; `{event: 'all-open'}` while an
 * open-streams run holds every stream.
 */
import { runClosedLoop, runOpenStreams, type LoadSpec } from '../lib/load';

interface RunMessage {
  id: number;
  spec: LoadSpec;
}

function reply(message: unknown): void {
  process.send?.(message);
}

process.on('message', (message: RunMessage) => {
  const { id, spec } = message;
  const run = spec.kind === 'closed' ? runClosedLoop(spec) : runOpenStreams(spec, () => reply({ event: 'all-open', id }));
  run.then(
    (result) => reply({ id, result }),
    (error: unknown) => reply({ id, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
  );
});

process.on('disconnect', () => process.exit(0));
reply({ event: 'ready' });
