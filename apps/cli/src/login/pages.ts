/** The small pages the browser lands on after consent. No external assets, no scripts. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character);
}

function page(title: string, color: string, lines: string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>geminicli2api: ${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{color:${color};font-size:1.5rem}p{line-height:1.5}code{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px}</style>
</head><body><h1>${escapeHtml(title)}</h1>${lines.map((line) => `<p>${line}</p>`).join('')}</body></html>
`;
}

export function successPage(email?: string): string {
  return page('Signed in', '#1a7f37', [
    email ? `Google account <b>${escapeHtml(email)}</b> is connected to geminicli2api.` : 'Your Google account is connected to geminicli2api.',
    'The credential file was written. You can close this tab and go back to the terminal for the next steps.',
  ]);
}

export function failurePage(message: string): string {
  return page('Sign-in failed', '#cf222e', [
    escapeHtml(message),
    'Go back to the terminal for details, then run <code>geminicli2api login</code> again.',
  ]);
}
