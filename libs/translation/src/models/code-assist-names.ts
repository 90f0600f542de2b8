/**
 * Names Gemini CLI rewrites before it calls Code Assist (its `ModelMappingContentGenerator` with the
 * Code Assist backend's default mappings). The gateway applies the same table, so a client that asks
 * for the public name reaches the model Code Assist actually serves under another name.
 *
 * One table, documented in docs/wire/models.md ("Names rewritten for Code Assist");
 * code-assist-names.spec.ts keeps the two in step.
 *
 * Gemini CLI 0.61 also has mappings that depend on per-account experiment flags (for example
 * `gemini-3.5-flash` → `gemini-3.8-flash`); the gateway cannot see those flags, so it applies only
 * the default row(s) below.
 */
export const CODE_ASSIST_MODEL_NAMES: Readonly<Record<string, string>> = Object.freeze({
  'gemini-3.5-flash': 'gemini-3-flash',
});

/** The id Code Assist expects for a public model id (the id itself when it is not rewritten). */
export function codeAssistModelName(modelId: string): string {
  return Object.hasOwn(CODE_ASSIST_MODEL_NAMES, modelId) ? CODE_ASSIST_MODEL_NAMES[modelId] : modelId;
}

const PUBLIC_NAMES: Readonly<Record<string, string>> = Object.freeze(Object.fromEntries(Object.entries(CODE_ASSIST_MODEL_NAMES).map(([publicName, codeAssistName]) => [codeAssistName, publicName])));

/**
 * The public id of a model the gateway names the Code Assist way (the reverse of codeAssistModelName):
 * the Gemini API and Vertex AI know `gemini-3.5-flash`, not Code Assist's `gemini-3-flash`.
 */
export function publicModelName(modelId: string): string {
  return Object.hasOwn(PUBLIC_NAMES, modelId) ? PUBLIC_NAMES[modelId] : modelId;
}
