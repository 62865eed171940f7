// The names the command line validates, kept free of imports so `telepipe --help` stays instant.

export const SPLITS = ['tuning', 'held-out'] as const;
export type Split = (typeof SPLITS)[number];

export const METHOD_NAMES = ['telepipe', 'online', 'rolling-z'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];
