import { TranslationError } from '../errors';
import { ModelCatalog } from '../models/catalog';
import { loadRequestFixtures, UPDATE_FIXTURES, writeJson, type RequestFixture } from './__fixtures__/load-fixtures';
import { convertChatRequestToGemini } from './convert-request';
import { parseChatCompletionRequest } from './request-schema';

const catalog = new ModelCatalog();

function translate(fixture: RequestFixture) {
  const model = catalog.resolve(fixture.model);
  if (!model) throw new Error(`fixture ${fixture.file}: unknown model ${fixture.model}`);
  const request = parseChatCompletionRequest(fixture.request);
  const remoteImages = fixture.remoteImages ? new Map(Object.entries(fixture.remoteImages)) : undefined;
  return convertChatRequestToGemini(request, { model, remoteImages });
}

describe('OpenAI request → Gemini request (ok fixtures)', () => {
  it.each(loadRequestFixtures('ok').map((fixture) => [fixture.description, fixture] as const))('%s', (_description, fixture) => {
    const actual = translate(fixture);
    if (UPDATE_FIXTURES) writeJson(fixture.file, { ...stripFile(fixture), expected: actual });
    else expect(actual).toEqual(fixture.expected);
    // What we send must survive the JSON round trip unchanged (no undefined, no prototypes).
    expect(JSON.parse(JSON.stringify(actual))).toEqual(actual);
  });
});

describe('OpenAI request → TranslationError (not-ok fixtures)', () => {
  it.each(loadRequestFixtures('not-ok').map((fixture) => [fixture.description, fixture] as const))('%s', (_description, fixture) => {
    let thrown: unknown;
    try {
      translate(fixture);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TranslationError);
    const error = thrown as TranslationError;
    const actual = { param: error.param, code: error.code, message: error.message };
    if (UPDATE_FIXTURES) writeJson(fixture.file, { ...stripFile(fixture), expected: actual });
    else expect(actual).toEqual(fixture.expected);
  });
});

function stripFile(fixture: RequestFixture): Omit<RequestFixture, 'file'> {
  const { file: _file, ...rest } = fixture;
  return rest;
}
