import { Controller, Get, Inject } from '@nestjs/common';
import { Public } from '@app/auth';
import { GATEWAY_CONFIG, type GatewayConfig } from '@app/common';

/** `GET /`: what this is and where things are (kept from the original; no key needed). */
@Public()
@Controller()
export class RootController {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  @Get()
  info() {
    return {
      name: 'geminicli2api',
      description: 'OpenAI Chat Completions and Gemini API gateway in front of Gemini CLI\'s Google login (Code Assist).',
      version: this.config.version,
      endpoints: {
        openai_compatible: { chat_completions: '/v1/chat/completions', models: '/v1/models' },
        native_gemini: {
          models: '/v1beta/models',
          generate: '/v1beta/models/{model}:generateContent',
          stream: '/v1beta/models/{model}:streamGenerateContent',
          count_tokens: '/v1beta/models/{model}:countTokens',
        },
        health: '/health',
        liveness: '/health/live',
        readiness: '/health/ready',
      },
      authentication: 'Required for all endpoints except / and /health*: Authorization: Bearer <key>, HTTP Basic (any user), x-goog-api-key, x-api-key or ?key=.',
    };
  }
}
