/** Image output as Markdown, the form the original gateway used (and parses back, see data-url.ts). */
export function imageMarkdown(mimeType: string, data: string): string {
  return `![image](data:${mimeType};base64,${data})`;
}
