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
