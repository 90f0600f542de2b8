// HTTP probes for check.sh (plain Node 20, no build step, no curl needed). Every call is bounded.
//   node http-check.mjs status URL EXPECTED_STATUS [KEY]   one GET, exit 0 when the status matches
//   node http-check.mjs wait URL EXPECTED_STATUS SECONDS    poll GET until it matches, or give up
//   node http-check.mjs chat BASE_URL KEY                  one OpenAI chat completion (emulator echoes)
//   node http-check.mjs burst BASE_URL KEY COUNT           COUNT chat completions one after another
//   node http-check.mjs stream BASE_URL KEY                a slow streamed chat: prints "first-chunk"
//                                                          when it starts, "complete" after [DONE]
const [command, target, ...rest] = process.argv.slice(2);
const TIMEOUT_MS = 15_000;

async function status(url, key) {
  const headers = key ? { authorization: `Bearer ${key}` } : {};
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  await response.arrayBuffer();
  return response.status;
}

function chatRequest(baseUrl, key, body, timeoutMs) {
  return fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gemini-2.5-flash', ...body }),
    signal: AbortSignal.timeout(timeoutMs),
  });
}

async function main() {
  if (command === 'status') {
    const [expected, key] = rest;
    const actual = await status(target, key);
    if (actual !== Number(expected)) throw new Error(`GET ${target}: ${actual}, expected ${expected}`);
    return;
  }
  if (command === 'wait') {
    const [expected, seconds] = rest;
    const deadline = Date.now() + Number(seconds) * 1000;
    let last = 'no answer';
    while (Date.now() < deadline) {
      try {
        const actual = await status(target);
        if (actual === Number(expected)) return;
        last = `status ${actual}`;
      } catch (error) {
        last = error.cause?.code ?? error.message;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`GET ${target}: ${last} after ${seconds}s, expected ${expected}`);
  }
  if (command === 'chat' || command === 'burst') {
    const count = command === 'burst' ? Number(rest[1]) : 1;
    for (let index = 0; index < count; index++) {
      const text = `hello from the container check ${index}`;
      const response = await chatRequest(target, rest[0], { messages: [{ role: 'user', content: text }] }, TIMEOUT_MS);
      const body = await response.json();
      const content = body.choices?.[0]?.message?.content ?? '';
      if (response.status !== 200 || !content.includes(text)) throw new Error(`chat ${index + 1}/${count}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
    return;
  }
  if (command === 'stream') {
    const directive = `[emulate:${JSON.stringify({ kind: 'text', chunks: ['one ', 'two ', 'three ', 'four ', 'five'], chunkDelayMs: 1000 })}]`;
    const response = await chatRequest(target, rest[0], { stream: true, messages: [{ role: 'user', content: directive }] }, 60_000);
    if (response.status !== 200) throw new Error(`stream: status ${response.status} ${await response.text()}`);
    const decoder = new TextDecoder();
    let text = '';
    let started = false;
    for await (const chunk of response.body) {
      text += decoder.decode(chunk, { stream: true });
      if (!started && text.includes('"content"')) {
        started = true;
        process.stdout.write('first-chunk\n');
      }
    }
    const content = [...text.matchAll(/"content":"([^"]*)"/g)].map((match) => match[1]).join('');
    if (!text.includes('data: [DONE]') || content !== 'one two three four five') throw new Error(`stream cut short: ${JSON.stringify(content)}`);
    process.stdout.write('complete\n');
    return;
  }
  throw new Error(`unknown command ${command}`);
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
