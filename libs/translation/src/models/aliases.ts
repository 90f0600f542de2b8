/**
 * MODEL_ALIASES: the names clients send (`claude-sonnet-4-5`, `gpt-4o`…) mapped to catalog models.
 * Syntax: comma-separated `pattern=target`; `*` in a pattern matches any run of characters (it is
 * the only special character); matching ignores case; the first matching rule wins. A target is
 * any id the catalog resolves, variant suffixes included (`gemini-2.5-pro-maxthinking`).
 */

export interface ModelAlias {
  pattern: string;
  target: string;
  /** True when the pattern has no `*`: an exact name, listed among the models. */
  exact: boolean;
  matcher: RegExp;
}

export class ModelAliasError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelAliasError';
  }
}

/** Parses the setting; throws ModelAliasError naming the bad rule. Empty or blank → no aliases. */
export function parseModelAliases(setting: string | undefined): ModelAlias[] {
  if (!setting || setting.trim() === '') return [];
  return setting.split(',').map((rule) => rule.trim()).filter(Boolean).map((rule) => {
    const equals = rule.indexOf('=');
    const pattern = equals < 0 ? '' : rule.slice(0, equals).trim();
    const target = equals < 0 ? '' : rule.slice(equals + 1).trim();
    if (pattern === '' || target === '' || target.includes('*') || target.includes('=')) {
      throw new ModelAliasError(`"${rule}" is not a pattern=target rule (the target is a model id without "*")`);
    }
    return { pattern, target, exact: !pattern.includes('*'), matcher: globToRegExp(pattern) };
  });
}

/** The target of the first rule matching `requested`, or undefined. */
export function matchModelAlias(aliases: readonly ModelAlias[], requested: string): ModelAlias | undefined {
  return aliases.find((alias) => alias.matcher.test(requested));
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.split('*').map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 'is');
}
