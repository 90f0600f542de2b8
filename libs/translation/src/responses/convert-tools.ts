import { TranslationError } from '../errors';
import type { GeminiFunctionDeclaration, GeminiTool, GeminiToolConfig } from '../gemini/types';
import type { ResolvedModel } from '../models/catalog';
import { toDeclaration } from '../openai/convert-tools';
import { isRecord } from '../openai/json-value';
import type { ResponsesCustomTool, ResponsesFunctionTool, ResponsesRequest } from './request-schema';

export interface ConvertedResponsesTools {
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
  /** Names of `custom` (freeform) tools: their calls go back as custom_tool_call items. */
  customToolNames: string[];
  /** Function name → namespace, for functions declared inside a `namespace` tool. */
  namespaces: Record<string, string>;
  /** Tools left out and why (the HTTP layer says so in a header and a log line). */
  dropped: string[];
}

const WEB_SEARCH_TYPES = new Set(['web_search', 'web_search_preview', 'web_search_2025_08_26', 'web_search_preview_2025_03_11']);

/**
 * Responses `tools` / `tool_choice` → Gemini `tools` + `toolConfig`.
 * - `function` → a declaration (schema sanitised as on the Chat route);
 * - `custom` (freeform, e.g. Codex's `apply_patch` with a lark grammar) → a declaration with one
 *   string parameter `input`; the grammar goes into the description so the model can follow it;
 * - `namespace` → each of its functions declared under its own name;
 * - `web_search*` → `googleSearch`, but only when no function is declared: Google's 2.x models
 *   refuse Google Search next to function declarations ("Multiple tools are supported only when
 *   they are all search tools"), so web_search is dropped then and reported in `dropped`;
 * - other hosted tools (file_search, computer_use, local_shell…) are dropped and reported.
 * `parallel_tool_calls` has no Gemini switch.
 */
export function convertResponsesTools(request: ResponsesRequest, model: ResolvedModel): ConvertedResponsesTools {
  const declarations: GeminiFunctionDeclaration[] = [];
  const customToolNames: string[] = [];
  const namespaces: Record<string, string> = {};
  const dropped: string[] = [];
  let wantsSearch = model.search;
  const seen = new Set<string>();
  const declare = (declaration: GeminiFunctionDeclaration, param: string) => {
    if (seen.has(declaration.name)) {
      throw new TranslationError(`Invalid '${param}.name': the tool name '${declaration.name}' is declared more than once.`, { param: `${param}.name`, code: 'duplicate_function_name' });
    }
    seen.add(declaration.name);
    declarations.push(declaration);
  };
  const addTool = (tool: Record<string, unknown>, param: string, namespace?: string) => {
    if (tool.type === 'function') declare(toDeclaration(tool as ResponsesFunctionTool, param), param);
    else if (tool.type === 'custom') {
      declare(customDeclaration(tool as ResponsesCustomTool), param);
      customToolNames.push(String(tool.name));
    } else if (tool.type === 'namespace' && Array.isArray(tool.tools) && namespace === undefined) {
      tool.tools.filter(isRecord).forEach((inner, index) => addTool(inner, `${param}.tools[${index}]`, String(tool.name)));
      return;
    } else if (WEB_SEARCH_TYPES.has(String(tool.type))) {
      wantsSearch = true;
      return;
    } else {
      dropped.push(String(tool.type));
      return;
    }
    if (namespace !== undefined) namespaces[String(tool.name)] = namespace;
  };
  (request.tools ?? []).forEach((tool, index) => addTool(tool as Record<string, unknown>, `tools[${index}]`));

  const tools: GeminiTool[] = [];
  if (declarations.length > 0) tools.push({ functionDeclarations: declarations });
  if (wantsSearch && declarations.length > 0) dropped.push('web_search');
  else if (wantsSearch) tools.push({ googleSearch: {} });
  const toolConfig = declarations.length > 0 ? toolConfigOf(request, seen) : undefined;
  return { ...(tools.length > 0 ? { tools } : {}), ...(toolConfig ? { toolConfig } : {}), customToolNames, namespaces, dropped };
}

function customDeclaration(tool: ResponsesCustomTool): GeminiFunctionDeclaration {
  const format = tool.format;
  const grammar = format?.type === 'grammar' && format.definition ? `\n\nThe input must follow this ${format.syntax ?? ''} grammar:\n${format.definition}` : '';
  const description = `${tool.description ?? ''}${grammar}`.trim();
  return {
    name: tool.name,
    ...(description ? { description } : {}),
    parametersJsonSchema: {
      type: 'object',
      properties: { input: { type: 'string', description: 'The freeform input of this tool, verbatim.' } },
      required: ['input'],
    },
  };
}

function toolConfigOf(request: ResponsesRequest, declared: ReadonlySet<string>): GeminiToolConfig | undefined {
  const choice = request.tool_choice;
  if (choice == null) return undefined;
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if ((choice.type === 'function' || choice.type === 'custom') && typeof choice.name === 'string') {
    if (!declared.has(choice.name)) {
      throw new TranslationError(`Invalid 'tool_choice': no tool named '${choice.name}' was declared in tools.`, { param: 'tool_choice', code: 'invalid_value' });
    }
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
  }
  if (choice.type === 'allowed_tools' && Array.isArray(choice.tools)) {
    const names = choice.tools.map((tool) => (isRecord(tool) && typeof tool.name === 'string' ? tool.name : '')).filter((name) => declared.has(name));
    if (choice.mode === 'required' && names.length > 0) return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: names } };
  }
  return { functionCallingConfig: { mode: 'AUTO' } };
}
