/** The package ships no types: its default export instantiates the Emscripten module. */
declare module '@echogarden/fvad-wasm' {
  const createFvadModule: (moduleArg?: Record<string, unknown>) => Promise<unknown>;
  export default createFvadModule;
}
