/**
 * Layer rules, checked by `npm test` (npm run lint:layers). Why each exists is in its comment; README § Layout
 * names the folders.
 */
module.exports = {
  forbidden: [
    {
      name: 'shared-is-not-an-app',
      comment: 'shared/ is the library the functions are built from: it never reaches into a function, the local stack, the benchmarks or the tests.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(functions|local|bench|test|scripts)/' },
    },
    {
      name: 'simulator-stands-alone',
      comment: 'The simulator is a product of its own (simulator/README.md): it imports nothing outside simulator/.',
      severity: 'error',
      from: { path: '^simulator/' },
      to: { path: '^(?!simulator/)', dependencyTypesNot: ['npm', 'npm-dev', 'core'] },
    },
    {
      name: 'production-code-never-imports-the-simulator',
      comment: 'Deployed code talks to Zscaler through configuration only; the simulator is for the local stack and tests.',
      severity: 'error',
      from: { path: '^(shared|functions)/' },
      to: { path: '^simulator/' },
    },
    {
      name: 'zscaler-core-knows-no-domain',
      comment: 'The HTTP core (auth, pacing, retries) is shaped by Zscaler, not by this project: it takes options, never the Lambda config or a domain.',
      severity: 'error',
      from: { path: '^shared/(zscaler|http)/' },
      to: { path: '^shared/(?!zscaler/|http/|errors\\.ts|logger\\.ts|deadline\\.ts|mutex\\.ts|aws/secrets\\.ts)' },
    },
    {
      name: 'resource-modules-know-no-domain',
      comment: 'shared/zpa and shared/zdx are one module per Zscaler resource: they use the core, never the use cases built on them.',
      severity: 'error',
      from: { path: '^shared/(zpa|zdx)/' },
      to: { path: '^shared/(traces|bypass|commands|chat|incidents|webhooks|status|reporting|ledger|middleware)/' },
    },
    {
      name: 'functions-do-not-import-each-other',
      comment: 'Each function is bundled on its own; what two functions share lives in shared/.',
      severity: 'error',
      from: { path: '^functions/([^/]+)/' },
      to: { path: '^functions/', pathNot: '^functions/$1/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle means two modules are one; split the shared part out.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.json'] },
  },
};
