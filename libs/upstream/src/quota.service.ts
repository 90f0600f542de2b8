import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GATEWAY_CONFIG, GatewayMetrics, SharedState, type GatewayConfig } from '@app/common';
import { AccessTokenService, CredentialStore, type GoogleCredential } from '@app/auth';
import { CodeAssistHttp } from './code-assist-http';
import { ProjectService } from './project.service';
import { TokenRetry } from './token-retry';
import { readJsonObject } from './upstream-reply';

/** One model's remaining upstream quota, as Code Assist's retrieveUserQuota reports it. */
export interface QuotaBucket {
  modelId: string;
  tokenType?: string;
  remainingFraction?: number;
  remainingAmount?: string;
  resetTime?: string;
}

export interface AccountQuota {
  label: string;
  fetchedAt: string;
  buckets: QuotaBucket[];
}

const KEY = (id: string) => `quota:${id}`;
const LOCK = (id: string) => `quota-lock:${id}`;

/**
 * How much upstream quota each Code Assist account has left: `retrieveUserQuota`, refreshed in the
 * background (QUOTA_REFRESH_MS), fetched by one replica per account and interval (a shared lock) and
 * shared through the state port, so every replica shows the same in /admin/status and in the
 * `geminicli2api_upstream_quota_remaining_fraction` gauge. Never on the request path.
 */
@Injectable()
export class UpstreamQuota implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('quota');
  private readonly tokenRetry: TokenRetry;
  private timer?: NodeJS.Timeout;
  private readonly owner = randomUUID();

  constructor(
    http: CodeAssistHttp,
    tokens: AccessTokenService,
    private readonly projects: ProjectService,
    private readonly credentials: CredentialStore,
    private readonly state: SharedState,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.tokenRetry = new TokenRetry(http, tokens);
  }

  onApplicationBootstrap(): void {
    const intervalMs = this.config.team.quotaRefreshMs;
    if (intervalMs <= 0 || this.codeAssistAccounts().length === 0) return;
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
    // A first look soon after start, off the start-up path.
    setTimeout(() => void this.refresh(), 1_000).unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Fetches what is due (one replica per account and interval), then updates this replica's gauge. */
  async refresh(): Promise<void> {
    const intervalMs = this.config.team.quotaRefreshMs;
    for (const credential of this.codeAssistAccounts()) {
      try {
        if (await this.state.tryLock(LOCK(credential.id), this.owner, Math.max(1_000, intervalMs - 500))) await this.fetch(credential);
      } catch (error) {
        this.logger.warn({ msg: 'could not read the account\'s upstream quota', credential: credential.label, error: (error as { openaiCode?: string }).openaiCode ?? (error as Error).name });
      }
    }
    for (const quota of await this.snapshot()) {
      for (const bucket of quota.buckets) {
        if (typeof bucket.remainingFraction === 'number') this.metrics.upstreamQuotaRemaining.set({ credential: quota.label, model: bucket.modelId }, bucket.remainingFraction);
      }
    }
  }

  /** Every account's last known quota (from shared state). */
  async snapshot(): Promise<AccountQuota[]> {
    const quotas: AccountQuota[] = [];
    for (const credential of this.codeAssistAccounts()) {
      const json = await this.state.get(KEY(credential.id)).catch(() => undefined);
      if (json) quotas.push(JSON.parse(json) as AccountQuota);
    }
    return quotas;
  }

  /** Only Code Assist logins have a retrieveUserQuota; API keys and Vertex report quota elsewhere. */
  private codeAssistAccounts(): GoogleCredential[] {
    return this.credentials.all.filter((credential) => credential.backend === undefined || credential.backend === 'code_assist');
  }

  private async fetch(credential: GoogleCredential): Promise<void> {
    const signal = AbortSignal.timeout(this.config.upstream.connectTimeoutMs + 10_000);
    const rpc = async (method: string, body: unknown, options?: { httpMethod?: 'GET' | 'POST' }) => {
      const response = await this.tokenRetry.send(credential, { method, body, httpMethod: options?.httpMethod, signal });
      return readJsonObject(response.body, method);
    };
    const project = await this.projects.projectFor(credential, rpc);
    const reply = await rpc('retrieveUserQuota', { project });
    const buckets = (Array.isArray(reply.buckets) ? reply.buckets : []).filter((bucket): bucket is QuotaBucket => typeof (bucket as QuotaBucket)?.modelId === 'string').map((bucket) => ({
      modelId: bucket.modelId,
      tokenType: bucket.tokenType,
      remainingFraction: typeof bucket.remainingFraction === 'number' ? bucket.remainingFraction : undefined,
      remainingAmount: bucket.remainingAmount,
      resetTime: bucket.resetTime,
    }));
    const quota: AccountQuota = { label: credential.label, fetchedAt: new Date().toISOString(), buckets };
    await this.state.set(KEY(credential.id), JSON.stringify(quota), Math.max(60_000, 3 * this.config.team.quotaRefreshMs));
  }
}
