import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthenticationError, GATEWAY_CONFIG, currentRequest, type GatewayConfig } from '@app/common';
import { ClientKeyVerifier, candidatesOf, credentialsOf } from './client-keys';
import { ClientKeysFile } from './team/client-keys-file';

const PUBLIC_ROUTE = 'geminicli2api:public';
/** Marks a controller or handler as reachable without a client key (`/`, `/health*`). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

export interface AuthenticatedRequest extends FastifyRequest {
  clientKeyName?: string;
}

@Injectable()
export class ClientKeyGuard implements CanActivate {
  private readonly verifier: ClientKeyVerifier;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, private readonly reflector: Reflector, private readonly keysFile: ClientKeysFile) {
    this.verifier = new ClientKeyVerifier(config.clientAuth.keys);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // The gateway's onRequest hook already called authenticate() before the body was read; this
    // guard stays as the second line, for routes the hook's public list names by mistake.
    if (request.clientKeyName === undefined) this.authenticate(request);
    return true;
  }

  /**
   * The one place a request's client key is checked (the onRequest hook and this guard both call
   * it): records the key's name (and a keys-file policy) on the request and its context, or throws
   * AuthenticationError.
   */
  authenticate(request: AuthenticatedRequest): string {
    const credentials = credentialsOf(request.headers, request.query);
    const requestState = currentRequest();
    let name = this.verifier.identify(credentials);
    if (!name && this.keysFile.size > 0) {
      const policyKey = this.keysFile.identify(candidatesOf(credentials));
      if (policyKey?.policy.expiresAt !== undefined && policyKey.policy.expiresAt <= Date.now()) {
        throw new AuthenticationError(`The API key "${policyKey.name}" expired at ${new Date(policyKey.policy.expiresAt).toISOString()}.`);
      }
      name = policyKey?.name;
      if (policyKey && requestState) requestState.clientPolicy = policyKey.policy;
    }
    if (!name) throw new AuthenticationError();
    request.clientKeyName = name;
    if (requestState) requestState.clientKeyName = name;
    return name;
  }
}
