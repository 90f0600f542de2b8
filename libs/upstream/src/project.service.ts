import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { GATEWAY_CONFIG, SharedState, sharedSingleFlight, type GatewayConfig } from '@app/common';
import type { GoogleCredential } from '@app/auth';
import { IneligibleTierError, OnboardingTimeoutError, ProjectRequiredError, ValidationRequiredError } from './onboarding-errors';

interface Tier {
  id?: string;
  isDefault?: boolean;
  userDefinedCloudaicompanionProject?: boolean;
}

interface LoadCodeAssistResponse {
  currentTier?: Tier;
  allowedTiers?: Tier[];
  ineligibleTiers?: Array<{ reasonCode?: string; reasonMessage?: string; validationUrl?: string; tierId?: string }>;
  cloudaicompanionProject?: string;
  paidTier?: Tier;
}

interface Operation {
  name?: string;
  done?: boolean;
  response?: { cloudaicompanionProject?: { id?: string; name?: string } };
}

const PROJECT_TTL_MS = 24 * 3_600_000;

/** One JSON RPC against Code Assist with a fresh access token; errors already mapped. */
export type CodeAssistRpc = (method: string, body: unknown, options?: { httpMethod?: 'GET' | 'POST' }) => Promise<unknown>;

/**
 * Finds the Code Assist project of a credential: GOOGLE_CLOUD_PROJECT > the credential's
 * project_id > loadCodeAssist > onboardUser with bounded operation polling (§1.6–§2). Cached per
 * credential in this replica and in the shared state, so a new replica does not call
 * loadCodeAssist again; concurrent first requests (on any replica) share one discovery.
 */
@Injectable()
export class ProjectService {
  private readonly logger = new Logger('onboarding');
  private readonly projects = new Map<string, string>();
  private readonly running = new Map<string, Promise<string>>();

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig, private readonly state: SharedState) {}

  cached(credential: GoogleCredential): string | undefined {
    return this.config.google.project ?? credential.projectId ?? this.projects.get(credential.id);
  }

  async projectFor(credential: GoogleCredential, rpc: CodeAssistRpc): Promise<string> {
    const known = this.cached(credential);
    if (known) return known;
    const running = this.running.get(credential.id);
    if (running) return running;
    const discovery = sharedSingleFlight<string>({
      state: this.state,
      valueKey: `project:${credential.id}`,
      lockKey: `project-lock:${credential.id}`,
      lockTtlMs: this.config.upstream.onboardingTimeoutMs + 10_000,
      read: (raw) => raw || undefined,
      write: (project) => ({ raw: project, ttlMs: PROJECT_TTL_MS }),
      compute: () => this.discover(credential, rpc),
    })
      .then((project) => {
        this.projects.set(credential.id, project);
        return project;
      })
      .finally(() => this.running.delete(credential.id));
    this.running.set(credential.id, discovery);
    return discovery;
  }

  private async discover(credential: GoogleCredential, rpc: CodeAssistRpc): Promise<string> {
    const metadata = { ideType: 'IDE_UNSPECIFIED', platform: platformName(), pluginType: 'GEMINI' };
    const loaded = (await rpc('loadCodeAssist', { metadata })) as LoadCodeAssistResponse;
    const ineligible = loaded.ineligibleTiers ?? [];
    if (loaded.currentTier) {
      if (loaded.cloudaicompanionProject) return loaded.cloudaicompanionProject;
      throw this.projectProblem(credential, ineligible);
    }
    const validation = ineligible.find((tier) => tier.reasonCode === 'VALIDATION_REQUIRED');
    if (validation) throw new ValidationRequiredError(credential.label, validation.validationUrl);
    const tier: Tier = loaded.allowedTiers?.find((candidate) => candidate.isDefault) ?? { id: 'legacy-tier', userDefinedCloudaicompanionProject: true };
    if (tier.userDefinedCloudaicompanionProject) throw this.projectProblem(credential, ineligible);

    this.logger.log({ msg: 'onboarding Google account to Code Assist', credential: credential.label, tier: tier.id });
    // Free tier: the project must NOT be sent (Google answers "Precondition check failed").
    let operation = (await rpc('onboardUser', { tierId: tier.id, metadata })) as Operation;
    const started = Date.now();
    while (!operation.done && operation.name) {
      const waited = Date.now() - started;
      if (waited >= this.config.upstream.onboardingTimeoutMs) throw new OnboardingTimeoutError(credential.label, waited);
      await sleep(Math.min(this.config.upstream.onboardingPollIntervalMs, this.config.upstream.onboardingTimeoutMs - waited));
      operation = (await rpc(operation.name, undefined, { httpMethod: 'GET' })) as Operation;
    }
    const project = operation.response?.cloudaicompanionProject?.id;
    if (!project) throw this.projectProblem(credential, ineligible);
    this.logger.log({ msg: 'onboarding complete', credential: credential.label });
    return project;
  }

  private projectProblem(credential: GoogleCredential, ineligible: LoadCodeAssistResponse['ineligibleTiers'] = []): Error {
    const reasons = ineligible.map((tier) => tier.reasonMessage).filter((reason): reason is string => Boolean(reason));
    return reasons.length > 0 ? new IneligibleTierError(credential.label, reasons) : new ProjectRequiredError(credential.label);
  }
}

function platformName(): string {
  const arch = process.arch === 'arm64' ? 'ARM64' : 'AMD64';
  switch (process.platform) {
    case 'darwin': return `DARWIN_${arch}`;
    case 'linux': return `LINUX_${arch}`;
    case 'win32': return 'WINDOWS_AMD64';
    default: return 'PLATFORM_UNSPECIFIED';
  }
}
