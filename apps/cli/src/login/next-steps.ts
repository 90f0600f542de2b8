/** What to do with the file, printed after login. Names the path only, never the file's content. */
export function nextSteps(path: string, options: { foundByDefault?: boolean } = {}): string {
  const quoted = /[\s"'$`\\]/.test(path) ? `'${path.replace(/'/g, `'\\''`)}'` : path;
  return [
    'Next steps: give this file to the gateway in one of these ways (it is a secret: keep it out of git and images).',
    '',
    '  .env (npm start, docker compose):',
    `    GOOGLE_APPLICATION_CREDENTIALS=${path}`,
    '',
    '  Kubernetes Secret:',
    `    kubectl create secret generic geminicli2api-google --from-file=credentials.json=${quoted}`,
    '',
    '  Helm values (with the Secret above):',
    '    google:',
    '      existingSecret: geminicli2api-google',
    '',
    ...(options.foundByDefault ? ['A gateway started from this folder (npm start) also finds ./oauth_creds.json by itself.', ''] : []),
    'Then check the deployment end to end: npx geminicli2api doctor',
    '',
  ].join('\n');
}
