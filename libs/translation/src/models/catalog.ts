import { ModelAliasError, matchModelAlias, type ModelAlias } from './aliases';
/**
 * The model catalog: the base models Code Assist serves today (Gemini CLI's list, see
 * docs/wire/models.md) plus the variant suffixes the original gateway advertised. Pure data and
 * pure functions; extra ids come from config (EXTRA_MODELS). Names it does not know are forwarded
 * to Google when they look like Gemini model ids (or always, on the Gemini route): Google adds
 * models every few weeks and its own 404 is the right answer for a name it does not serve.
 */
import { codeAssistModelName } from './code-assist-names';

/** How a model family is told how much to think. */
export type ThinkingProfile =
  | { kind: 'none' }
  /** Gemini 2.5 and 3 Pro: an integer `thinkingBudget`; -1 = dynamic. */
  | { kind: 'budget'; off: number; minimal: number | null; max: number; high: number }
  /** Gemini 3 Flash family: `thinkingLevel` (MINIMAL | LOW | MEDIUM | HIGH). */
  | { kind: 'level' };

export interface BaseModel {
  id: string;
  displayName: string;
  description: string;
  inputTokenLimit: number;
  outputTokenLimit: number;
  thinking: ThinkingProfile;
  /** Image-output models get neither thinking nor search variants. */
  imageOutput?: boolean;
  preview?: boolean;
}

const BUDGET_FLASH: ThinkingProfile = { kind: 'budget', off: 0, minimal: 0, max: 24576, high: 24576 };
const BUDGET_PRO_25: ThinkingProfile = { kind: 'budget', off: 128, minimal: 128, max: 32768, high: 32768 };
const BUDGET_PRO_3: ThinkingProfile = { kind: 'budget', off: 128, minimal: 128, max: 45000, high: 45000 };
const LEVEL: ThinkingProfile = { kind: 'level' };

const MILLION = 1_048_576;

export const BASE_MODELS: readonly BaseModel[] = [
  { id: 'gemini-2.5-pro', displayName: 'Gemini 2.5 Pro', description: 'Stable Gemini 2.5 Pro: the strongest 2.5 model for reasoning and code.', inputTokenLimit: MILLION, outputTokenLimit: 65536, thinking: BUDGET_PRO_25 },
  { id: 'gemini-2.5-flash', displayName: 'Gemini 2.5 Flash', description: 'Stable Gemini 2.5 Flash: fast mid-size multimodal model.', inputTokenLimit: MILLION, outputTokenLimit: 65536, thinking: BUDGET_FLASH },
  { id: 'gemini-2.5-flash-lite', displayName: 'Gemini 2.5 Flash-Lite', description: 'Stable Gemini 2.5 Flash-Lite: the smallest, cheapest 2.5 model.', inputTokenLimit: MILLION, outputTokenLimit: 65536, thinking: BUDGET_FLASH },
  { id: 'gemini-2.5-flash-image-preview', displayName: 'Gemini 2.5 Flash Image Preview', description: 'Gemini 2.5 Flash with image output.', inputTokenLimit: 32768, outputTokenLimit: 32768, thinking: { kind: 'none' }, imageOutput: true, preview: true },
  { id: 'gemini-3-pro-preview', displayName: 'Gemini 3 Pro Preview', description: 'Preview of Gemini 3 Pro.', inputTokenLimit: MILLION, outputTokenLimit: 65536, thinking: BUDGET_PRO_3, preview: true },
  { id: 'gemini-3.1-pro-preview', displayName: 'Gemini 3.1 Pro Preview', description: 'Preview of Gemini 3.1 Pro.', inputTokenLimit: MILLION, outputTokenLimit: 65536, thinking: BUDGET_PRO_3, preview: true },
  { id: 'gemini-3-flash-preview', displayName: 'Gemini 3 Flash Preview', description: 'Preview of Gemini 3 Flash.', inputTokenLimit: MILLION, outputTokenLimit: 65536, thinking: LEVEL, preview: true },
  { id: 'gemini-3.1-flash-lite', displayName: 'Gemini 3.1 Flash-Lite', description: 'Gemini 3.1 Flash-Lite: fast helper model.', inputTokenLimit: MILLION, outputTokenLimit: 65536, thinking: LEVEL },
  { id: 'gemini-3.1-pro-preview-customtools', displayName: 'Gemini 3.1 Pro Preview (custom tools)', description: 'Gemini 3.1 Pro Preview tuned for custom tools.', inputTokenLimit: MILLION, outputTokenLimit: 65536, thinking: BUDGET_PRO_3, preview: true },
  { id: 'gemini-3.5-flash', displayName: 'Gemini 3.5 Flash', description: 'Gemini 3.5 Flash (Code Assist serves it as gemini-3-flash).', inputTokenLimit: MILLION, outputTokenLimit: 65536, thinking: LEVEL },
  { id: 'gemini-3.5-flash-lite', displayName: 'Gemini 3.5 Flash-Lite', description: 'Gemini 3.5 Flash-Lite: Gemini CLI 0.61\'s router and helper model.', inputTokenLimit: MILLION, outputTokenLimit: 65536, thinking: LEVEL },
  { id: 'gemini-3.8-flash', displayName: 'Gemini 3.8 Flash', description: 'Gemini 3.8 Flash: the newest Flash Gemini CLI 0.61 knows.', inputTokenLimit: MILLION, outputTokenLimit: 65536, thinking: LEVEL },
];

export type ThinkingVariant = 'default' | 'none' | 'max';

export interface ResolvedModel {
  /** What the client asked for, without a `models/` prefix (echoed back in responses). */
  requested: string;
  /** The id sent upstream to Code Assist (after Gemini CLI's renames, see code-assist-names.ts). */
  base: string;
  search: boolean;
  thinking: ThinkingVariant;
  info: BaseModel;
  /** False for a name the catalog does not list, forwarded for Google to accept or refuse. */
  known: boolean;
}

export interface ResolveOptions {
  /** Forward any name the catalog does not know (the Gemini route), not only `gemini-*` ones. */
  forwardAnyName?: boolean;
}

/** Names shaped like Google's Gemini ids are forwarded on every route even when not listed. */
const CATALOG_SHAPED = /^gemini-[0-9][a-z0-9.-]*$/;
/** What any forwarded name must look like (Google's ids are short, lower-case, dotted and dashed). */
const MODEL_ID_SHAPE = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export interface CatalogEntry {
  id: string;
  displayName: string;
  description: string;
  base: BaseModel;
  search: boolean;
  thinking: ThinkingVariant;
}

const SUFFIXES = ['-search', '-nothinking', '-maxthinking'] as const;

/** A profile for ids that are not in the table (EXTRA_MODELS or a newer model a client names). */
export function guessBaseModel(id: string): BaseModel {
  const thinking: ThinkingProfile = id.includes('image')
    ? { kind: 'none' }
    : id.startsWith('gemini-3') ? (id.includes('pro') ? BUDGET_PRO_3 : LEVEL)
      : id.includes('pro') ? BUDGET_PRO_25
        : id.startsWith('gemini-2.5') ? BUDGET_FLASH
          : { kind: 'none' };
  return { id, displayName: id, description: `Gemini model ${id}`, inputTokenLimit: MILLION, outputTokenLimit: 65536, thinking, imageOutput: id.includes('image') };
}

export class ModelCatalog {
  private readonly baseById: Map<string, BaseModel>;
  readonly entries: readonly CatalogEntry[];
  private readonly entryById: Map<string, CatalogEntry>;

  /** `aliases` (MODEL_ALIASES, see aliases.ts): every target must be a catalog model, else ModelAliasError. */
  constructor(extraModelIds: readonly string[] = [], private readonly aliases: readonly ModelAlias[] = []) {
    const bases = [...BASE_MODELS];
    for (const id of extraModelIds) {
      if (!bases.some((model) => model.id === id)) bases.push(guessBaseModel(id));
    }
    this.baseById = new Map(bases.map((model) => [model.id, model]));
    const entries = bases.flatMap((model) => variantsOf(model));
    for (const alias of aliases) {
      const target = this.resolveName(alias.target);
      if (!target?.known) throw new ModelAliasError(`the target of "${alias.pattern}=${alias.target}" is not a model of the catalog`);
      if (alias.exact && !entries.some((entry) => entry.id === alias.pattern)) {
        entries.push({ id: alias.pattern, displayName: `${alias.pattern} (alias of ${alias.target})`, description: `Alias of ${alias.target}.`, base: target.info, search: target.search, thinking: target.thinking });
      }
    }
    this.entries = entries;
    this.entryById = new Map(this.entries.map((entry) => [entry.id, entry]));
  }

  /** Catalog entry for an advertised id (base or variant), or undefined. */
  get(id: string): CatalogEntry | undefined {
    const bare = stripModelsPrefix(id);
    const entry = this.entryById.get(bare);
    if (entry) return entry;
    // A name only a glob alias matches: described as its target, under the name asked for.
    const resolved = matchModelAlias(this.aliases, bare) ? this.resolve(bare) : undefined;
    if (!resolved) return undefined;
    return { id: bare, displayName: `${bare} (alias of ${resolved.base})`, description: `Alias of ${resolved.base}.`, base: resolved.info, search: resolved.search, thinking: resolved.thinking };
  }

  /**
   * Resolves a requested id: MODEL_ALIASES first (first matching rule wins, so an alias may also
   * redirect a catalog id), then the catalog itself. The result's `requested` is always what the
   * client sent (responses echo it); `base` is the model sent upstream (metrics and logs use it).
   */
  resolve(requestedId: string, options: ResolveOptions = {}): ResolvedModel | undefined {
    const requested = stripModelsPrefix(requestedId.trim());
    const alias = matchModelAlias(this.aliases, requested);
    if (!alias) return this.resolveName(requested, options);
    const target = this.resolveName(alias.target);
    return target ? { ...target, requested } : undefined;
  }

  /**
   * Splits variant suffixes off a requested id, in any order and combination
   * (`gemini-2.5-pro-search-maxthinking`, `gemini-2.5-pro-maxthinking-search`). A base the catalog
   * does not list is forwarded (with a guessed thinking profile) when it is catalog-shaped
   * (`gemini-<version>…`) or `forwardAnyName` is set. Otherwise, for contradictory suffixes
   * (`-nothinking-maxthinking`) and for thinking variants of a listed model that does not think,
   * the answer is undefined (the caller answers 404 `model_not_found`).
   */
  private resolveName(requested: string, options: ResolveOptions = {}): ResolvedModel | undefined {
    if (requested === '') return undefined;
    const split = splitSuffixes(requested);
    if (!split) return undefined;
    const info = this.baseById.get(split.base);
    if (info) {
      if (split.thinking !== 'default' && info.thinking.kind === 'none') return undefined;
      return { requested, base: codeAssistModelName(split.base), search: split.search, thinking: split.thinking, info, known: true };
    }
    if (!MODEL_ID_SHAPE.test(requested)) return undefined;
    if (!options.forwardAnyName && !CATALOG_SHAPED.test(requested)) return undefined;
    return forwardedUnknown(requested, split);
  }
}

interface SuffixSplit {
  base: string;
  search: boolean;
  thinking: ThinkingVariant;
}

/** Strips `-search`, `-nothinking`, `-maxthinking` in any order; undefined when both thinking suffixes appear. */
function splitSuffixes(requested: string): SuffixSplit | undefined {
  let base = requested;
  let search = false;
  let thinking: ThinkingVariant = 'default';
  for (let changed = true; changed;) {
    changed = false;
    for (const suffix of SUFFIXES) {
      if (base.endsWith(suffix) && base.length > suffix.length) {
        base = base.slice(0, -suffix.length);
        changed = true;
        if (suffix === '-search') search = true;
        else if (thinking === 'default') thinking = suffix === '-nothinking' ? 'none' : 'max';
        else return undefined;
      }
    }
  }
  return { base, search, thinking };
}

/**
 * A name the catalog does not list. Variant suffixes still work on a base that looks like a model
 * that thinks; otherwise the whole name goes to Google untouched, so Google decides.
 */
function forwardedUnknown(requested: string, split: SuffixSplit): ResolvedModel {
  if (split.base !== requested && CATALOG_SHAPED.test(split.base)) {
    const info = guessBaseModel(split.base);
    if (split.thinking === 'default' || info.thinking.kind !== 'none') {
      return { requested, base: codeAssistModelName(split.base), search: split.search, thinking: split.thinking, info, known: false };
    }
  }
  return { requested, base: codeAssistModelName(requested), search: false, thinking: 'default', info: guessBaseModel(requested), known: false };
}

export function stripModelsPrefix(id: string): string {
  return id.startsWith('models/') ? id.slice('models/'.length) : id;
}

function variantsOf(model: BaseModel): CatalogEntry[] {
  const entries: CatalogEntry[] = [{ id: model.id, displayName: model.displayName, description: model.description, base: model, search: false, thinking: 'default' }];
  if (model.imageOutput) return entries;
  entries.push({ id: `${model.id}-search`, displayName: `${model.displayName} with Google Search`, description: `${model.description} (includes Google Search grounding)`, base: model, search: true, thinking: 'default' });
  if (model.thinking.kind === 'none') return entries;
  for (const search of [false, true]) {
    const searchSuffix = search ? '-search' : '';
    const searchName = search ? ' with Google Search' : '';
    entries.push(
      { id: `${model.id}${searchSuffix}-nothinking`, displayName: `${model.displayName}${searchName} (No Thinking)`, description: `${model.description} (thinking disabled)`, base: model, search, thinking: 'none' },
      { id: `${model.id}${searchSuffix}-maxthinking`, displayName: `${model.displayName}${searchName} (Max Thinking)`, description: `${model.description} (maximum thinking budget)`, base: model, search, thinking: 'max' },
    );
  }
  return entries;
}
