import type { Problem } from '../api.js';

/** Each field a 400 named, by its path in the body ("rules/0/segment"), with the API's message. */
export function fieldErrors(problem: Problem): { field: string; message: string }[] {
  return (problem.errors ?? []).map((error) => ({
    field: error.pointer.replace(/^#\/?/, '') || error.location,
    message: error.detail,
  }));
}
