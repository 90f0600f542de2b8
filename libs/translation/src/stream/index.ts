export * from './events';
export { mapFinishReason } from './finish-reason';
export type { CandidateOutcome, MappedFinish } from './finish-reason';
export * from './gemini-stream-decoder';
export * from './stream-transform';
