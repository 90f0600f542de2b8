import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthenticationError, GATEWAY_CONFIG, currentRequest, type GatewayConfig } from '@app/common';
import { ClientKeyVerifier, candidatesOf } from './client-keys';
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
    const query = request.query as Record<string, unknown> | undefined;
    const header = request.headers['x-goog-api-key'] ?? request.headers['x-api-key']; // x-api-key: Anthropic's SDK and Claude Code
    const credentials = {
      authorization: request.headers.authorization,
      googApiKey: Array.isArray(header) ? header[0] : header,
      queryKey: typeof query?.key === 'string' ? query.key : undefined,
    };
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
    return true;
  }
}
