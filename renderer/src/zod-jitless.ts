// Zod compiles object parsers with `new Function` unless told not to; the CSP forbids eval.
// Imported first by main.tsx: schemas decide at construction (module load) whether to compile.
import { z } from 'zod';

z.config({ jitless: true });
