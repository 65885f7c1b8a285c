/** Typings for ghostscript4js 3.2.3 (it ships none); only what the child uses. */
declare module 'ghostscript4js' {
  interface GhostscriptVersion {
    product: string;
    copyright: string;
    revision: number;
    revisiondate: number;
  }
  /**
   * Runs Ghostscript in-process on a libuv thread. The array is passed to gsapi_init_with_args as argv, so element 0
   * is the program name and is ignored; a string is split on whitespace (paths with spaces break).
   * Rejects with "Sorry error happened executing Ghostscript command. Error code: <n>".
   */
  function execute(args: string | readonly string[]): Promise<void>;
  function executeSync(args: string | readonly string[]): void;
  function version(): GhostscriptVersion;
  const MIN_SUPPORTED_REVISION: number;
  const MAX_SUPPORTED_REVISION: number;
}
