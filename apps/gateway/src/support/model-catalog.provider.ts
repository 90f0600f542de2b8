import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayMetrics, ModelNotFoundError, type GatewayConfig } from '@app/common';
import { ModelCatalog, parseModelAliases, type ResolveOptions, type ResolvedModel } from '@app/translation';

/** The catalog as an injectable, built once from config (EXTRA_MODELS, MODEL_ALIASES — checked by loadConfig). */
@Injectable()
export class ModelCatalogService extends ModelCatalog {
  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, metrics: GatewayMetrics) {
    super(config.models.extra, parseModelAliases(config.models.aliases));
    // The catalog's models are metric label values as they are; forwarded names are capped (modelLabel).
    metrics.knowModels(this.entries.map((entry) => entry.base.id));
  }

  /**
   * Resolves or throws the 404 both dialects expect (`model_not_found`). Names the catalog does
   * not list are forwarded when catalog-shaped, or always with `forwardAnyName` (the Gemini route).
   */
  require(requestedId: string, options: ResolveOptions = {}): ResolvedModel {
    const resolved = this.resolve(requestedId, options);
    if (!resolved) throw new ModelNotFoundError(requestedId.replace(/^models\//, ''));
    return resolved;
  }
}
