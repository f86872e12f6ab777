import type { z } from 'zod';

/**
 * Formats zod issues as "path: message; ..." for logs and error messages. A module of its own, without the
 * handlers' runtime (middy, Powertools, clients), because the console's page parses the manifest with it.
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
