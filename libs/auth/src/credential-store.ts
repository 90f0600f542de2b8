import { Injectable } from '@nestjs/common';
import { ServiceUnavailableError } from '@app/common';
import type { GoogleCredential, LoadedCredentials } from './google-credentials';

/** The Google credentials this replica serves with, loaded once at boot. */
@Injectable()
export class CredentialStore {
  constructor(private readonly loaded: LoadedCredentials) {}

  get all(): readonly GoogleCredential[] {
    return this.loaded.credentials;
  }

  get description(): string {
    return this.loaded.description;
  }

  /** The credential for the next upstream call; throws a clear 503 when none is configured. */
  pick(): GoogleCredential {
    const credential = this.loaded.credentials[0];
    if (!credential) {
      throw new ServiceUnavailableError(
        `No Google credentials are configured (looked for ${this.loaded.description}). Set GEMINI_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS, or log in with \`npx geminicli2api login\`.`,
        { code: 'no_google_credentials' },
      );
    }
    return credential;
  }
}
