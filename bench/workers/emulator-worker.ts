/**
 * The Google emulator in its own process (forked by bench/run.ts): one onboarded account, the
 * default behaviour set over IPC. The emulator logs every request; a bench makes millions, so the
 * log is trimmed to its newest entries every 250 ms (the last generation body is kept: the
 * "direct" target replays exactly the envelope the gateway sent).
 */
import { startEmulator, type EmulatorBehaviour } from '../../test/support/emulator';

const BENCH_REFRESH_TOKEN = 'bench-refresh-token';

type Command =
  | { id: number; cmd: 'behaviour'; behaviour: EmulatorBehaviour }
  | { id: number; cmd: 'counters' }
  | { id: number; cmd: 'lastGeneration' }
  | { id: number; cmd: 'close' };

async function main(): Promise<void> {
  const emulator = await startEmulator({ accessTokenTtlSeconds: 24 * 3600 });
  emulator.addAccount({ refreshToken: BENCH_REFRESH_TOKEN, onboarding: 'onboarded' });
  let lastGeneration: unknown;
  const remember = (): void => {
    const { requests } = emulator;
    for (let index = requests.length - 1; index >= 0; index -= 1) {
      const record = requests[index];
      if ((record.method === 'generateContent' || record.method === 'streamGenerateContent') && record.body !== undefined) {
        lastGeneration = record.body;
        break;
      }
    }
  };
  const trimmer = setInterval(() => {
    if (emulator.requests.length < 64) return;
    remember();
    emulator.requests.splice(0, emulator.requests.length - 16);
  }, 250);
  trimmer.unref();

  process.on('message', (message: Command) => {
    const answer = (value: unknown): void => void process.send?.({ id: message.id, value });
    switch (message.cmd) {
      case 'behaviour':
        emulator.setDefaultBehaviour(message.behaviour);
        return answer(true);
      case 'counters':
        return answer(emulator.counters());
      case 'lastGeneration':
        remember();
        return answer(lastGeneration);
      case 'close':
        clearInterval(trimmer);
        void emulator.close().then(() => {
          answer(true);
          process.exit(0);
        });
        return;
    }
  });
  process.on('disconnect', () => void emulator.close().then(() => process.exit(0)));
  process.send?.({
    event: 'ready',
    url: emulator.url,
    tokenUrl: emulator.tokenUrl,
    project: emulator.accountProject(BENCH_REFRESH_TOKEN),
    accessToken: emulator.issueAccessToken(BENCH_REFRESH_TOKEN, 24 * 3600),
    refreshToken: BENCH_REFRESH_TOKEN,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench emulator failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
