import { runCleanups } from './cleanup';

// Hooks run on a loaded 2-core machine: give them room, but never forever.
jest.setTimeout(60_000);

// Runs after the file's own afterAll hooks: stops whatever a failed or timed-out hook left running.
afterAll(() => runCleanups(), 60_000);
