import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, ModelNotFoundError, type GatewayConfig } from '@app/common';
import { ModelCatalog, parseModelAliases, type ResolvedModel } from '@app/translation';

/** The catalog as an injectable, built once from config (EXTRA_MODELS, MODEL_ALIASES — checked by loadConfig). */
@Injectable()
export class ModelCatalogService extends ModelCatalog {
  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    super(config.models.extra, parseModelAliases(config.models.aliases));
  }

  /** Resolves or throws the 404 both dialects expect (`model_not_found`). */
  require(requestedId: string): ResolvedModel {
    const resolved = this.resolve(requestedId);
    if (!resolved) throw new ModelNotFoundError(requestedId.replace(/^models\//, ''));
    return resolved;
  }
}
