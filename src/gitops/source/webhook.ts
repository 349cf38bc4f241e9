// Push webhooks from GitHub, Gitea/Forgejo and GitLab: recognise the provider,
// check the signature (HMAC-SHA256, or GitLab's plain token) in constant time,
// and pull out the ref, the new head and every URL the repository goes by.

import { createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookProvider = 'github' | 'gitea' | 'gitlab';

export type WebhookResult =
  | { ok: true; provider: WebhookProvider; ref: string; after: string; repoURLs: string[] }
  | { ok: false; status: 400 | 401; reason: string };

type Headers = Record<string, string | string[] | undefined>;

export function parsePushWebhook(headers: Headers, body: Buffer, secret: string | undefined): WebhookResult {
  const h = lowerCase(headers);
  const provider: WebhookProvider | undefined =
    h['x-gitea-event'] || h['x-forgejo-event'] || h['x-gogs-event'] ? 'gitea' : h['x-gitlab-event'] ? 'gitlab' : h['x-github-event'] ? 'github' : undefined;
  if (!provider) return fail(400, 'not a recognised webhook: no X-GitHub-Event, X-Gitea-Event or X-Gitlab-Event header');

  if (secret) {
    const problem = verify(provider, h, body, secret);
    if (problem) return fail(401, problem);
  }

  const event = provider === 'gitea' ? (h['x-gitea-event'] ?? h['x-forgejo-event'] ?? h['x-gogs-event']) : h[`x-${provider}-event`];
  if (provider === 'github' && event === 'ping') return { ok: true, provider, ref: '', after: '', repoURLs: urlsOf(parseJSON(h, body)) };

  let payload: Record<string, unknown> | undefined;
  if (provider === 'gitlab') {
    payload = parseJSON(h, body);
    const kind = payload?.object_kind;
    const push = event === 'Push Hook' || event === 'Tag Push Hook' || (event === 'System Hook' && (kind === 'push' || kind === 'tag_push'));
    if (!push) return fail(400, `unsupported GitLab event "${event}": only push events are handled`);
  } else {
    if (event !== 'push') return fail(400, `unsupported ${provider === 'github' ? 'GitHub' : 'Gitea'} event "${event}": only push (and ping) events are handled`);
    payload = parseJSON(h, body);
  }
  if (!payload) return fail(400, 'the webhook body is not a JSON object');
  const { ref, after } = payload;
  if (typeof ref !== 'string' || typeof after !== 'string') return fail(400, 'the push payload has no "ref" and "after"');
  return { ok: true, provider, ref, after, repoURLs: urlsOf(payload) };
}

function verify(provider: WebhookProvider, h: Record<string, string>, body: Buffer, secret: string): string | undefined {
  if (provider === 'gitlab') {
    const token = h['x-gitlab-token'];
    if (token === undefined) return 'missing X-Gitlab-Token header (a webhook secret is configured)';
    return equal(Buffer.from(token), Buffer.from(secret)) ? undefined : 'X-Gitlab-Token does not match the configured secret';
  }
  const header =
    provider === 'github'
      ? 'x-hub-signature-256'
      : (['x-gitea-signature', 'x-forgejo-signature', 'x-gogs-signature', 'x-hub-signature-256'].find((k) => h[k] !== undefined) ?? 'x-gitea-signature');
  const given = h[header];
  if (given === undefined) return `missing ${header} header (a webhook secret is configured)`;
  const hex = given.replace(/^sha256=/i, '').trim();
  const expected = createHmac('sha256', secret).update(body).digest();
  if (!/^[0-9a-f]{64}$/i.test(hex) || !equal(Buffer.from(hex, 'hex'), expected)) return `${header} does not match the body signed with the configured secret`;
  return undefined;
}

/** Constant-time comparison that also hides length differences behind a hash. */
function equal(a: Buffer, b: Buffer): boolean {
  const ha = createHmac('sha256', 'gitplane').update(a).digest();
  const hb = createHmac('sha256', 'gitplane').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

function parseJSON(h: Record<string, string>, body: Buffer): Record<string, unknown> | undefined {
  let text = body.toString('utf8');
  // GitHub's "application/x-www-form-urlencoded" content type sends the JSON as a `payload` field.
  if ((h['content-type'] ?? '').includes('application/x-www-form-urlencoded') || text.startsWith('payload=')) {
    text = new URLSearchParams(text).get('payload') ?? '';
  }
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const URL_KEYS = ['clone_url', 'html_url', 'ssh_url', 'git_url', 'url', 'svn_url', 'git_http_url', 'git_ssh_url', 'http_url', 'web_url', 'homepage'];

function urlsOf(payload: Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  for (const key of ['project', 'repository']) {
    const obj = payload?.[key];
    if (!obj || typeof obj !== 'object') continue;
    for (const k of URL_KEYS) {
      const v = (obj as Record<string, unknown>)[k];
      if (typeof v === 'string' && v && !out.includes(v) && !v.includes('api.github.com')) out.push(v);
    }
  }
  return out;
}

function lowerCase(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function fail(status: 400 | 401, reason: string): WebhookResult {
  return { ok: false, status, reason };
}

/**
 * Whether an Application's repoURL is one of the URLs a webhook gave: scheme, user, port, host
 * case, a trailing ".git" and "/" are ignored, and scp-like "git@host:owner/repo" matches too.
 */
export function repoMatches(appRepoURL: string, webhookURLs: string[]): boolean {
  const want = normaliseRepoURL(appRepoURL);
  return want !== '' && webhookURLs.some((u) => normaliseRepoURL(u) === want);
}

export function normaliseRepoURL(url: string): string {
  let s = url.trim();
  let host = '';
  let rest: string;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/([^/]*)(.*)$/i.exec(s);
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.*)$/.exec(s);
  if (scheme) {
    host = scheme[1].replace(/^.*@/, '').replace(/:\d*$/, '');
    rest = scheme[2];
  } else if (scp) {
    host = scp[1];
    rest = scp[2];
  } else rest = s;
  s = rest.split(/[?#]/)[0].replace(/\/+$/, '').replace(/\.git$/i, '').replace(/\/+$/, '').replace(/^\/+/, '');
  return host ? `${host.toLowerCase()}/${s.toLowerCase()}` : s.toLowerCase();
}
