import { Injectable } from '@nestjs/common';
import { ServiceUnavailableError } from '@app/common';
import { CREDENTIAL_FIXES } from './credential-help';
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
        `No Google credentials are configured (${this.loaded.description}). ${CREDENTIAL_FIXES}`,
        { code: 'no_google_credentials' },
      );
    }
    return credential;
  }
}
