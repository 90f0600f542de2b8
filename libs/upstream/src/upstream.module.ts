import { Global, Module } from '@nestjs/common';
import { CodeAssistHttp, UndiciCodeAssistHttp } from './code-assist-http';
import { ProjectService } from './project.service';
import { UpstreamService } from './upstream.service';

@Global()
@Module({
  providers: [{ provide: CodeAssistHttp, useClass: UndiciCodeAssistHttp }, ProjectService, UpstreamService],
  exports: [CodeAssistHttp, ProjectService, UpstreamService],
})
export class UpstreamModule {}
