import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AuthModule, ClientKeyGuard, type LoadedCredentials } from '@app/auth';
import { ConfigModule, GatewayExceptionFilter, MetricsModule, SharedStateModule, type GatewayConfig } from '@app/common';
import { HealthModule } from '@app/health';
import { UpstreamModule } from '@app/upstream';
import { AdminController } from './admin/admin.controller';
import { AnthropicController } from './anthropic/anthropic.controller';
import { AnthropicMessagesService } from './anthropic/messages.service';
import { GeminiController } from './gemini/gemini.controller';
import { GeminiService } from './gemini/gemini.service';
import { ChatCompletionsService } from './openai/chat-completions.service';
import { OpenAIController } from './openai/openai.controller';
import { RemoteImageFetcher } from './openai/remote-images';
import { GenerationPipeline } from './pipeline/generation-pipeline';
import { MetricsBinder } from './observability/metrics.binder';
import { StreamTelemetry } from './observability/stream-telemetry';
import { UsageRecorder } from './observability/usage-recorder';
import { ResponseStore } from './responses/response-store';
import { ResponsesController } from './responses/responses.controller';
import { ResponsesService } from './responses/responses.service';
import { RootController } from './root.controller';
import { ModelCatalogService } from './support/model-catalog.provider';

/** Composition root: wires config, auth, upstream and the HTTP surfaces. */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, credentials: LoadedCredentials): DynamicModule {
    return {
      module: GatewayModule,
      imports: [ConfigModule.forRoot(config), MetricsModule, SharedStateModule, AuthModule.forRoot(credentials), UpstreamModule, HealthModule],
      controllers: [RootController, GeminiController, OpenAIController, ResponsesController, AnthropicController, AdminController],
      providers: [
        ModelCatalogService,
        GenerationPipeline,
        GeminiService,
        ChatCompletionsService,
        ResponsesService,
        ResponseStore,
        AnthropicMessagesService,
        RemoteImageFetcher,
        StreamTelemetry,
        UsageRecorder,
        MetricsBinder,
        { provide: APP_GUARD, useExisting: ClientKeyGuard },
        { provide: APP_FILTER, useClass: GatewayExceptionFilter },
      ],
    };
  }
}
