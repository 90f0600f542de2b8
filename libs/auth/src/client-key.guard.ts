import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthenticationError, GATEWAY_CONFIG, currentRequest, type GatewayConfig } from '@app/common';
import { ClientKeyVerifier } from './client-keys';

const PUBLIC_ROUTE = 'geminicli2api:public';
/** Marks a controller or handler as reachable without a client key (`/`, `/health*`). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

export interface AuthenticatedRequest extends FastifyRequest {
  clientKeyName?: string;
}

@Injectable()
export class ClientKeyGuard implements CanActivate {
  private readonly verifier: ClientKeyVerifier;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, private readonly reflector: Reflector) {
    this.verifier = new ClientKeyVerifier(config.clientAuth.keys);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const query = request.query as Record<string, unknown> | undefined;
    const header = request.headers['x-goog-api-key'] ?? request.headers['x-api-key']; // x-api-key: Anthropic's SDK and Claude Code
    const name = this.verifier.identify({
      authorization: request.headers.authorization,
      googApiKey: Array.isArray(header) ? header[0] : header,
      queryKey: typeof query?.key === 'string' ? query.key : undefined,
    });
    if (!name) throw new AuthenticationError();
    request.clientKeyName = name;
    const requestState = currentRequest();
    if (requestState) requestState.clientKeyName = name;
    return true;
  }
}
