import { UpstreamQuota } from './quota.service';
import { Global, Module } from '@nestjs/common';
import { CodeAssistHttp, UndiciCodeAssistHttp } from './code-assist-http';
import { UpstreamLimiter } from './limiter/upstream-limiter';
import { ProjectService } from './project.service';
import { UpstreamService } from './upstream.service';

@Global()
@Module({
  providers: [{ provide: CodeAssistHttp, useClass: UndiciCodeAssistHttp }, ProjectService, UpstreamService, UpstreamLimiter, UpstreamQuota],
  exports: [CodeAssistHttp, ProjectService, UpstreamService, UpstreamLimiter, UpstreamQuota],
})
export class UpstreamModule {}
