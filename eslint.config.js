import tseslint from 'typescript-eslint';

const TEST_FILES = ['agent/src/**/testing/**', '**/*.test.ts'];
const NO_TEST_CODE = { group: ['**/testing/**'], message: 'production code never imports test-only code.' };
const DRACHTIO_LIBS = [
  'drachtio-srf',
  'drachtio-srf/*',
  'drachtio-fsmrf',
  'drachtio-fsmrf/*',
  'drachtio-sip',
];
const SDKS = {
  group: [
    'openai',
    'openai/*',
    '@deepgram/sdk',
    '@cartesia/cartesia-js',
    '@cartesia/cartesia-js/*',
    'ws',
    'werift',
    ...DRACHTIO_LIBS,
  ],
  message: 'vendor SDKs and sockets live in providers/ and the back-ends, behind interfaces.',
};

/**
 * no-restricted-imports for a folder's production files (which also may not import test code) and,
 * with `tests`, for its tests too. (The drachtio fakes stand on the embedded SIP stack: test tools.)
 */
function restrict(folder, patterns, { tests = true } = {}) {
  const production = {
    files: [`${folder}/**/*.ts`],
    ignores: TEST_FILES,
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_TEST_CODE, ...patterns] }] },
  };
  const testCode = {
    files: [`${folder}/**/*.test.ts`, `${folder}/**/testing/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
  return tests ? [production, testCode] : [production];
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/dist-electron/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  // Production code never imports test-only fakes.
  {
    files: ['agent/src/**/*.ts'],
    ignores: TEST_FILES,
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_TEST_CODE] }] },
  },
  // Imports point inward (ARCHITECTURE.md): the conversation engine knows no telephony, no fork socket
  // and no vendor SDK; call control (telephony/calls) knows neither back-end; the back-ends know each
  // other not at all. (Later blocks replace the rule for their files, so each repeats NO_TEST_CODE.)
  ...restrict('agent/src/conversation', [
    {
      group: ['**/telephony/**', '**/fork/**'],
      message: 'conversation/ sees calls only through call-channel.ts.',
    },
    SDKS,
  ]),
  ...restrict('agent/src/telephony/calls', [
    { group: ['**/embedded/**', '**/drachtio/**'], message: 'call control is shared: no back-end in it.' },
    {
      group: [...DRACHTIO_LIBS, 'werift', 'werift/*'],
      message: 'call control is shared: no back-end library.',
    },
  ]),
  ...restrict(
    'agent/src/telephony/embedded',
    [
      {
        group: ['**/drachtio/**', ...DRACHTIO_LIBS],
        message: 'the embedded back-end does not use the drachtio one.',
      },
    ],
    { tests: false },
  ),
  ...restrict(
    'agent/src/telephony/drachtio',
    [
      {
        group: ['**/embedded/**', 'werift', 'werift/*'],
        message: 'the drachtio back-end does not use the embedded one.',
      },
    ],
    { tests: false },
  ),
  {
    files: ['**/*.test.ts', 'agent/src/testing/**', 'agent/bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
