import { TranslationError } from '../errors';
import type { GeminiFunctionDeclaration, GeminiTool, GeminiToolConfig } from '../gemini/types';
import type { ResolvedModel } from '../models/catalog';
import { declaresNoParameters, sanitizeJsonSchema } from '../openai/json-schema';
import type { AnthropicRequestTool, AnthropicToolChoice } from './request-schema';

export interface ConvertedAnthropicTools {
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
}

/** Anthropic's server-side web search: Gemini's Google Search grounding. */
const WEB_SEARCH_TYPE = /^web_search_\d+$/;

/**
 * `tools` + `tool_choice` → Gemini `tools` + `toolConfig`. Client tools (no type, `custom`) become
 * function declarations with their input_schema cleaned for Gemini (json-schema.ts);
 * `web_search_*` becomes `googleSearch`. `cache_control` / `defer_loading` are dropped.
 * tool_choice: auto → AUTO, any → ANY, tool → ANY limited to that name, none → NONE.
 */
export function convertAnthropicTools(
  tools: readonly AnthropicRequestTool[] | null | undefined,
  choice: AnthropicToolChoice | null | undefined,
  model: ResolvedModel,
): ConvertedAnthropicTools {
  const declarations: GeminiFunctionDeclaration[] = [];
  const names = new Set<string>();
  let search = model.search;
  (tools ?? []).forEach((tool, index) => {
    const param = `tools[${index}]`;
    if (tool.type && WEB_SEARCH_TYPE.test(tool.type)) {
      search = true;
      return;
    }
    if (tool.type && tool.type !== 'custom') {
      throw new TranslationError(`Invalid '${param}.type': the server tool '${tool.type}' is not supported by this gateway.`, { param: `${param}.type`, code: 'invalid_value' });
    }
    if (names.has(tool.name)) {
      throw new TranslationError(`Invalid '${param}.name': the tool name '${tool.name}' is declared more than once.`, { param: `${param}.name`, code: 'duplicate_function_name' });
    }
    names.add(tool.name);
    const declaration: GeminiFunctionDeclaration = { name: tool.name };
    if (tool.description) declaration.description = tool.description;
    const schema = tool.input_schema;
    if (schema && !declaresNoParameters(schema)) declaration.parametersJsonSchema = sanitizeJsonSchema(schema, `${param}.input_schema`, { dropNull: true });
    declarations.push(declaration);
  });

  let toolConfig: GeminiToolConfig | undefined;
  if (choice?.type === 'auto') toolConfig = { functionCallingConfig: { mode: 'AUTO' } };
  else if (choice?.type === 'any') toolConfig = { functionCallingConfig: { mode: 'ANY' } };
  else if (choice?.type === 'none') toolConfig = { functionCallingConfig: { mode: 'NONE' } };
  else if (choice?.type === 'tool') {
    if (!names.has(choice.name)) {
      throw new TranslationError(`Invalid 'tool_choice.name': no tool named '${choice.name}' was declared in tools.`, { param: 'tool_choice.name', code: 'invalid_value' });
    }
    toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
  }

  const geminiTools: GeminiTool[] = [];
  if (declarations.length > 0) geminiTools.push({ functionDeclarations: declarations });
  else toolConfig = undefined;
  if (search) geminiTools.push({ googleSearch: {} });
  return { ...(geminiTools.length > 0 ? { tools: geminiTools } : {}), ...(toolConfig ? { toolConfig } : {}) };
}
