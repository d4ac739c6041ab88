// Image references as docker normalises them: `alpine` → `docker.io/library/alpine:latest`.
import { AppError } from '../../shared/app-error';

export interface ImageReference {
  /** The registry as people write it (`docker.io`, `127.0.0.1:5000`). */
  domain: string;
  /** The repository path inside the registry (`library/alpine`). */
  path: string;
  tag: string | null;
  digest: string | null;
  /** The full normalised name (`docker.io/library/alpine:latest`): the image record's name. */
  name: string;
}

// The grammar of distribution's reference package (reference/regexp.go).
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[0-9a-fA-F:.]+\](?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const MAX_NAME = 255;

const EXAMPLES = 'e.g. alpine, alpine:3.20, docker.io/library/alpine:3.20, 127.0.0.1:5000/x/y:tag';

function bad(ref: string, why: string): AppError {
  return new AppError(
    'bad-reference',
    `invalid image reference ${JSON.stringify(ref.slice(0, 300))}: ${why}`,
    `Write it as [REGISTRY/]NAME[:TAG][@sha256:DIGEST], ${EXAMPLES}.`,
  );
}

/** Parse and normalise; throws an InsideError 'bad-reference' naming what is wrong. */
export function parseReference(ref: string): ImageReference {
  if (ref.length === 0) throw bad(ref, 'it is empty');
  if (ref.length > 4096) throw bad(ref, 'it is longer than 4096 characters');
  let rest = ref;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest))
      throw bad(
        ref,
        `the digest ${JSON.stringify(digest)} is not sha256: followed by 64 hex digits`,
      );
  }
  let tag: string | null = null;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag))
      throw bad(
        ref,
        `the tag ${JSON.stringify(tag)} may only have letters, digits, _ . - (at most 128)`,
      );
  }
  if (rest.length === 0) throw bad(ref, 'the name is missing');
  let domain = 'docker.io';
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      domain = first;
      path = rest.slice(slash + 1);
      if (!DOMAIN.test(domain))
        throw bad(ref, `the registry ${JSON.stringify(domain)} is not a host[:port]`);
      // The grammar takes any digits; a URL does not (it would fail later as an internal error).
      const port = /:(\d+)$/.exec(domain)?.[1];
      if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535))
        throw bad(ref, `the registry's port ${port} is not between 1 and 65535`);
    }
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  for (const c of path.split('/')) {
    if (c !== c.toLowerCase()) throw bad(ref, 'the repository name must be lowercase');
    if (!COMPONENT.test(c))
      throw bad(
        ref,
        `${JSON.stringify(c)} is not a valid name component (lowercase letters and digits, separated by . _ __ or -)`,
      );
  }
  if (!tag && !digest) tag = 'latest';
  const repo = `${domain}/${path}`;
  if (repo.length > MAX_NAME) throw bad(ref, `the name is longer than ${MAX_NAME} characters`);
  const name = `${repo}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return { domain, path, tag, digest, name };
}

/** The host the registry's HTTP API answers on (Docker Hub's is not docker.io). */
export function registryHost(domain: string): string {
  return domain === 'docker.io' ? 'registry-1.docker.io' : domain;
}
