import { UpstreamQuota } from './quota.service';
import { Global, Module } from '@nestjs/common';
import { CodeAssistHttp, UndiciCodeAssistHttp } from './code-assist-http';
import { UpstreamLimiter } from './limiter/upstream-limiter';
import { ProjectService } from './project.service';
import { UpstreamService } from './upstream.service';
import { PublicApiHttp, UndiciPublicApiHttp } from './backends/public-api-http';
import { VertexTokens } from './backends/vertex-backend';
import { GoogleAuthVertexTokens } from './backends/google-auth-vertex-tokens';

@Global()
@Module({
  providers: [
    { provide: CodeAssistHttp, useClass: UndiciCodeAssistHttp },
    { provide: PublicApiHttp, useClass: UndiciPublicApiHttp },
    { provide: VertexTokens, useClass: GoogleAuthVertexTokens },
    ProjectService, UpstreamService, UpstreamLimiter, UpstreamQuota,
  ],
  exports: [CodeAssistHttp, PublicApiHttp, VertexTokens, ProjectService, UpstreamService, UpstreamLimiter, UpstreamQuota],
})
export class UpstreamModule {}
