/** The storage layout of a job (docs/architecture.md §6): inputs and outputs under `jobs/<jobId>/`. */
export const jobKeys = {
  root: (jobId: string) => `jobs/${jobId}`,
  input: (jobId: string, index: number, ext = 'pdf') => `jobs/${jobId}/input/${index}.${ext}`,
  outputDir: (jobId: string) => `jobs/${jobId}/output`,
  output: (jobId: string, name: string) => `jobs/${jobId}/output/${name}`,
};
