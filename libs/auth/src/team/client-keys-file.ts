import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { GATEWAY_CONFIG, GatewayMetrics, type GatewayConfig } from '@app/common';
import { KeysFileError, parseKeysFile, type PolicyKey } from './keys-file';

/**
 * The keys of CLIENT_KEYS_FILE, re-read when the file changes (polled every CLIENT_KEYS_RELOAD_MS:
 * a Kubernetes Secret update swaps a symlink, which inotify-style watches miss). A file that does
 * not parse is reported and the last good set stays in force.
 */
@Injectable()
export class ClientKeysFile implements OnModuleDestroy {
  private readonly logger = new Logger('client-keys');
  private keys: PolicyKey[] = [];
  private signature = '';
  private timer?: NodeJS.Timeout;
  private reading = false;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig, private readonly metrics: GatewayMetrics) {
    const path = config.team.keysFile;
    if (!path) return;
    try {
      this.signature = signatureOf(statSync(path));
      this.apply(parseKeysFile(readFileSync(path, 'utf8')));
    } catch (error) {
      this.reportFailure(error);
    }
    this.timer = setInterval(() => void this.reload(), config.team.keysReloadMs);
    this.timer.unref();
  }

  get size(): number {
    return this.keys.length;
  }

  /** The key whose digest equals one of the presented candidates' digests (constant-time over all keys). */
  identify(candidates: readonly string[]): PolicyKey | undefined {
    let found: PolicyKey | undefined;
    for (const candidate of candidates) {
      const digest = createHash('sha256').update(candidate, 'utf8').digest();
      for (const key of this.keys) {
        if (timingSafeEqual(key.digest, digest) && found === undefined) found = key;
      }
    }
    return found;
  }

  /** Re-reads the file if it changed since the last look. */
  async reload(): Promise<void> {
    const path = this.config.team.keysFile;
    if (!path || this.reading) return;
    this.reading = true;
    try {
      const signature = signatureOf(await stat(path));
      if (signature === this.signature) return;
      this.signature = signature;
      this.apply(parseKeysFile(await readFile(path, 'utf8')));
    } catch (error) {
      this.reportFailure(error);
    } finally {
      this.reading = false;
    }
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private apply(keys: PolicyKey[]): void {
    this.keys = keys;
    this.metrics.clientKeysLoaded.set(keys.length);
    this.logger.log({ msg: 'client keys file loaded', keys: keys.length });
  }

  private reportFailure(error: unknown): void {
    this.metrics.clientKeysReloadErrors.inc();
    const problem = error instanceof KeysFileError ? error.message : (error as NodeJS.ErrnoException).code ?? 'unreadable';
    this.logger.error({ msg: 'client keys file rejected; the last good keys stay in force', problem, keys: this.keys.length });
  }
}

function signatureOf(stats: { mtimeMs: number; size: number; ino: number }): string {
  return `${stats.mtimeMs}:${stats.size}:${stats.ino}`;
}
