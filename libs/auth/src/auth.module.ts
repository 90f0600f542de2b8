import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AccessTokenService, CLOCK, systemClock } from './access-token.service';
import { ClientKeyGuard } from './client-key.guard';
import { CredentialPool } from './credential-pool';
import { CredentialStore } from './credential-store';
import type { LoadedCredentials } from './google-credentials';
import { GoogleAuthTokenEndpoint, TokenEndpoint } from './token-endpoint';
import { ClientKeysFile } from './team/client-keys-file';
import { KeyLimits } from './team/key-limits';

@Global()
@Module({})
export class AuthModule {
  static forRoot(credentials: LoadedCredentials): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: CredentialStore, useValue: new CredentialStore(credentials) },
        { provide: TokenEndpoint, useClass: GoogleAuthTokenEndpoint },
        { provide: CLOCK, useValue: systemClock },
        AccessTokenService,
        CredentialPool,
        ClientKeyGuard,
        ClientKeysFile,
        KeyLimits,
      ],
      exports: [CredentialStore, TokenEndpoint, CLOCK, AccessTokenService, CredentialPool, ClientKeyGuard, ClientKeysFile, KeyLimits],
    };
  }
}
