import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthenticationError, GATEWAY_CONFIG, currentRequest, type GatewayConfig } from '@app/common';
import { ClientKeyVerifier, credentialsOf } from './client-keys';

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
    // The gateway's onRequest hook already called authenticate() before the body was read; this
    // guard stays as the second line, for routes the hook's public list names by mistake.
    if (request.clientKeyName === undefined) this.authenticate(request);
    return true;
  }

  /**
   * The one place a request's client key is checked (the onRequest hook and this guard both call
   * it): records the key's name on the request and its context, or throws AuthenticationError.
   */
  authenticate(request: AuthenticatedRequest): string {
    const name = this.verifier.identify(credentialsOf(request.headers, request.query));
    if (!name) throw new AuthenticationError();
    request.clientKeyName = name;
    const requestState = currentRequest();
    if (requestState) requestState.clientKeyName = name;
    return name;
  }
}
