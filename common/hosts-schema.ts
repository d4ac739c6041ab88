// The saved hosts file's schema (zod): loaded only by the commands that read the file.
import * as z from 'zod';
import { hostNameProblem, parseHostUrl } from './hosts';

const savedHost = z
  .object({
    name: z.string().refine((n) => hostNameProblem(n) === null, {
      error: (i) => hostNameProblem(String(i.input)) ?? 'bad name',
    }),
    url: z.string().refine((u) => parseHostUrl(u).ok, {
      error: (i) => {
        const r = parseHostUrl(String(i.input));
        return r.ok ? 'bad URL' : r.error;
      },
    }),
    identity: z
      .string()
      .refine((p) => p.startsWith('/'), { error: 'must be an absolute path' })
      .optional(),
  })
  .strict();

/** The hosts file: `{"version": 1, "hosts": [...]}`, names unique. */
export const hostsFileSchema = z
  .object({ version: z.literal(1), hosts: z.array(savedHost).max(1000) })
  .strict()
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.hosts.forEach((h, i) => {
      if (seen.has(h.name))
        ctx.addIssue({
          code: 'custom',
          path: ['hosts', i, 'name'],
          message: `"${h.name}" appears twice`,
        });
      seen.add(h.name);
    });
  });

export type HostsFile = z.infer<typeof hostsFileSchema>;

/** The first problem as `field: message` (field as `hosts[2].url`), or null when `input` is a valid hosts file. */
export function hostsFileProblem(input: unknown): string | null {
  const r = hostsFileSchema.safeParse(input);
  if (r.success) return null;
  const issue = r.error.issues[0]!;
  const field = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`))
    .join('');
  return `${field || '(file)'}: ${issue.message}`;
}
