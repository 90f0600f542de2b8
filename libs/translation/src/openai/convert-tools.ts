import { TranslationError } from '../errors';
import type { GeminiFunctionDeclaration, GeminiTool, GeminiToolConfig } from '../gemini/types';
import type { ResolvedModel } from '../models/catalog';
import { declaresNoParameters, sanitizeJsonSchema } from './json-schema';
import type { ChatCompletionRequest, ChatFunctionDefinition } from './request-schema';

export interface ConvertedTools {
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
}

/**
 * tools / functions / tool_choice / function_call → Gemini `tools` + `toolConfig`.
 * Google Search grounding is added once (`{googleSearch:{}}`) for `-search` models, web-search
 * tool types and `web_search_options`; `parallel_tool_calls` has no Gemini switch and is ignored.
 */
export function convertTools(request: ChatCompletionRequest, model: ResolvedModel): ConvertedTools {
  let declared = collectDeclarations(request);
  let toolConfig: GeminiToolConfig | undefined;
  const names = new Set(declared.map((declaration) => declaration.name));
  const requireKnown = (name: string, param: string) => {
    if (!names.has(name)) {
      throw new TranslationError(`Invalid '${param}': no function named '${name}' was declared in tools.`, { param, code: 'invalid_value' });
    }
  };

  const choice = request.tool_choice ?? legacyChoice(request.function_call);
  if (choice === 'none') toolConfig = { functionCallingConfig: { mode: 'NONE' } };
  else if (choice === 'auto') toolConfig = { functionCallingConfig: { mode: 'AUTO' } };
  else if (choice === 'required') {
    if (declared.length === 0) {
      throw new TranslationError("Invalid value for 'tool_choice': 'required' needs at least one function in 'tools'.", { param: 'tool_choice', code: 'invalid_value' });
    }
    toolConfig = { functionCallingConfig: { mode: 'ANY' } };
  } else if (choice?.type === 'function') {
    const param = request.tool_choice ? 'tool_choice' : 'function_call';
    requireKnown(choice.function.name, param);
    toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  } else if (choice?.type === 'allowed_tools') {
    const allowed = choice.allowed_tools.tools.map((tool, index) => {
      requireKnown(tool.function.name, `tool_choice.allowed_tools.tools[${index}].function.name`);
      return tool.function.name;
    });
    if (choice.allowed_tools.mode === 'required') {
      toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [...new Set(allowed)] } };
    } else {
      // Gemini honours allowedFunctionNames only in ANY mode; for "auto" we declare just the allowed ones.
      declared = declared.filter((declaration) => allowed.includes(declaration.name));
      toolConfig = { functionCallingConfig: { mode: 'AUTO' } };
    }
  }

  const tools: GeminiTool[] = [];
  if (declared.length > 0) tools.push({ functionDeclarations: declared });
  else toolConfig = undefined; // Nothing to call: a calling mode would only confuse upstream.
  if (wantsSearch(request, model)) tools.push({ googleSearch: {} });
  return { ...(tools.length > 0 ? { tools } : {}), ...(toolConfig ? { toolConfig } : {}) };
}

function collectDeclarations(request: ChatCompletionRequest): GeminiFunctionDeclaration[] {
  const declared: GeminiFunctionDeclaration[] = [];
  const seen = new Set<string>();
  const add = (definition: ChatFunctionDefinition, param: string) => {
    if (seen.has(definition.name)) {
      throw new TranslationError(`Invalid '${param}.name': the function name '${definition.name}' is declared more than once.`, { param: `${param}.name`, code: 'duplicate_function_name' });
    }
    seen.add(definition.name);
    declared.push(toDeclaration(definition, param));
  };
  (request.tools ?? []).forEach((tool, index) => {
    if (tool.type === 'function') add(tool.function, `tools[${index}].function`);
  });
  (request.functions ?? []).forEach((definition, index) => add(definition, `functions[${index}]`));
  return declared;
}

/** One function definition → a Gemini declaration (schema sanitised; empty parameters left out). */
export function toDeclaration(definition: ChatFunctionDefinition, param: string): GeminiFunctionDeclaration {
  const declaration: GeminiFunctionDeclaration = { name: definition.name };
  if (definition.description) declaration.description = definition.description;
  const parameters = definition.parameters;
  if (parameters && !declaresNoParameters(parameters)) {
    declaration.parametersJsonSchema = sanitizeJsonSchema(parameters, `${param}.parameters`, { dropNull: true });
  }
  return declaration;
}

type NamedChoice = { type: 'function'; function: { name: string } };

function legacyChoice(functionCall: ChatCompletionRequest['function_call']): 'none' | 'auto' | NamedChoice | undefined {
  if (functionCall == null) return undefined;
  if (typeof functionCall === 'string') return functionCall;
  return { type: 'function', function: { name: functionCall.name } };
}

function wantsSearch(request: ChatCompletionRequest, model: ResolvedModel): boolean {
  if (model.search || request.web_search_options != null) return true;
  return (request.tools ?? []).some((tool) => tool.type === 'web_search' || tool.type === 'web_search_preview');
}
