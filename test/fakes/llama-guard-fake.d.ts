// Types for llama-guard-fake.js (plain JavaScript so workerd loads it without a build step).
export declare const FAKE_LEXICON: Record<string, string[]>;
export declare function fakeHazards(text: string): string[];
export declare function fakeGuardRun(model: string, inputs: Record<string, unknown>): Promise<unknown>;
