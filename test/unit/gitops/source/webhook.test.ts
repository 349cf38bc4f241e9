// Push webhooks from GitHub, Gitea/Forgejo and GitLab: signatures checked
// (good, bad, missing), payloads parsed, and repository URLs matched.

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePushWebhook, repoMatches } from '../../../../src/gitops/source/index.js';

const SECRET = 's3cr3t';
const AFTER = 'a'.repeat(40);
const sign = (body: Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

const githubBody = Buffer.from(
  JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: AFTER,
    repository: {
      url: 'https://github.com/acme/deploy',
      html_url: 'https://github.com/acme/deploy',
      clone_url: 'https://github.com/acme/deploy.git',
      ssh_url: 'git@github.com:acme/deploy.git',
      git_url: 'git://github.com/acme/deploy.git',
    },
  }),
);
const giteaBody = Buffer.from(
  JSON.stringify({ ref: 'refs/heads/dev', after: AFTER, repository: { html_url: 'https://gitea.local/acme/deploy', clone_url: 'https://gitea.local/acme/deploy.git', ssh_url: 'ssh://git@gitea.local:2222/acme/deploy.git' } }),
);
const gitlabBody = Buffer.from(
  JSON.stringify({
    object_kind: 'push',
    ref: 'refs/heads/main',
    after: AFTER,
    project: { web_url: 'https://gitlab.example.com/acme/deploy', git_http_url: 'https://gitlab.example.com/acme/deploy.git', git_ssh_url: 'git@gitlab.example.com:acme/deploy.git' },
    repository: { url: 'git@gitlab.example.com:acme/deploy.git', homepage: 'https://gitlab.example.com/acme/deploy' },
  }),
);

describe('gitops/source: push webhooks', () => {
  it('parses a signed GitHub push', () => {
    const r = parsePushWebhook({ 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${sign(githubBody)}`, 'content-type': 'application/json' }, githubBody, SECRET);
    expect(r).toEqual({
      ok: true,
      provider: 'github',
      ref: 'refs/heads/main',
      after: AFTER,
      repoURLs: ['https://github.com/acme/deploy.git', 'https://github.com/acme/deploy', 'git@github.com:acme/deploy.git', 'git://github.com/acme/deploy.git'],
    });
  });

  it('accepts GitHub form-encoded payloads and pings', () => {
    const form = Buffer.from(`payload=${encodeURIComponent(githubBody.toString())}`);
    const r = parsePushWebhook({ 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(form)}`, 'content-type': 'application/x-www-form-urlencoded' }, form, SECRET);
    expect(r.ok && r.ref).toBe('refs/heads/main');
    const ping = Buffer.from('{"zen":"Keep it simple","hook_id":1}');
    expect(parsePushWebhook({ 'x-github-event': 'ping', 'x-hub-signature-256': `sha256=${sign(ping)}` }, ping, SECRET)).toEqual({ ok: true, provider: 'github', ref: '', after: '', repoURLs: [] });
  });

  it('refuses GitHub pushes with a bad or missing signature (401)', () => {
    const bad = parsePushWebhook({ 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(githubBody, 'other')}` }, githubBody, SECRET);
    expect(bad).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('x-hub-signature-256 does not match') });
    const tampered = Buffer.from(githubBody.toString().replace('main', 'prod'));
    expect(parsePushWebhook({ 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(githubBody)}` }, tampered, SECRET)).toMatchObject({ ok: false, status: 401 });
    expect(parsePushWebhook({ 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=zz' }, githubBody, SECRET)).toMatchObject({ ok: false, status: 401 });
    expect(parsePushWebhook({ 'x-github-event': 'push' }, githubBody, SECRET)).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('missing x-hub-signature-256') });
    // without a configured secret, signatures are not required
    expect(parsePushWebhook({ 'x-github-event': 'push' }, githubBody, undefined)).toMatchObject({ ok: true, ref: 'refs/heads/main' });
  });

  it('parses Gitea/Forgejo pushes signed in X-Gitea-Signature (plain hex)', () => {
    const good = parsePushWebhook({ 'X-Gitea-Event': 'push', 'X-GitHub-Event': 'push', 'X-Gitea-Signature': sign(giteaBody) }, giteaBody, SECRET);
    expect(good).toEqual({
      ok: true,
      provider: 'gitea',
      ref: 'refs/heads/dev',
      after: AFTER,
      repoURLs: ['https://gitea.local/acme/deploy.git', 'https://gitea.local/acme/deploy', 'ssh://git@gitea.local:2222/acme/deploy.git'],
    });
    expect(parsePushWebhook({ 'x-forgejo-event': 'push', 'x-forgejo-signature': sign(giteaBody) }, giteaBody, SECRET)).toMatchObject({ ok: true, provider: 'gitea' });
    expect(parsePushWebhook({ 'x-gitea-event': 'push', 'x-gitea-signature': sign(giteaBody, 'nope') }, giteaBody, SECRET)).toMatchObject({ ok: false, status: 401 });
    expect(parsePushWebhook({ 'x-gitea-event': 'push' }, giteaBody, SECRET)).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('missing') });
  });

  it('parses GitLab pushes, comparing the plain X-Gitlab-Token', () => {
    const good = parsePushWebhook({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET }, gitlabBody, SECRET);
    expect(good).toMatchObject({ ok: true, provider: 'gitlab', ref: 'refs/heads/main', after: AFTER });
    expect(good.ok && good.repoURLs).toEqual([
      'https://gitlab.example.com/acme/deploy.git',
      'git@gitlab.example.com:acme/deploy.git',
      'https://gitlab.example.com/acme/deploy',
    ]);
    expect(parsePushWebhook({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 's3cr3T' }, gitlabBody, SECRET)).toMatchObject({ ok: false, status: 401 });
    expect(parsePushWebhook({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': `${SECRET}x` }, gitlabBody, SECRET)).toMatchObject({ ok: false, status: 401 });
    expect(parsePushWebhook({ 'x-gitlab-event': 'Push Hook' }, gitlabBody, SECRET)).toMatchObject({ ok: false, status: 401 });
    expect(parsePushWebhook({ 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': SECRET }, gitlabBody, SECRET)).toMatchObject({ ok: true });
  });

  it('answers 400 for unknown senders, other events and malformed bodies', () => {
    expect(parsePushWebhook({}, githubBody, undefined)).toMatchObject({ ok: false, status: 400 });
    expect(parsePushWebhook({ 'x-github-event': 'issues' }, githubBody, undefined)).toMatchObject({ ok: false, status: 400, reason: expect.stringContaining('"issues"') });
    expect(parsePushWebhook({ 'x-gitlab-event': 'Merge Request Hook' }, gitlabBody, undefined)).toMatchObject({ ok: false, status: 400 });
    expect(parsePushWebhook({ 'x-github-event': 'push' }, Buffer.from('not json'), undefined)).toMatchObject({ ok: false, status: 400 });
    expect(parsePushWebhook({ 'x-github-event': 'push' }, Buffer.from('{"ref":1}'), undefined)).toMatchObject({ ok: false, status: 400 });
  });

  it('matches repository URLs across scheme, user, port, case, .git and trailing slashes', () => {
    const urls = ['https://github.com/acme/deploy.git', 'git@github.com:acme/deploy.git'];
    for (const app of ['https://github.com/acme/deploy', 'https://GitHub.com/acme/deploy.git/', 'http://github.com/acme/deploy/', 'ssh://git@github.com/acme/deploy.git', 'git@github.com:acme/deploy', 'https://user:tok@github.com:443/acme/deploy.git']) {
      expect(repoMatches(app, urls), app).toBe(true);
    }
    for (const app of ['https://github.com/acme/deploy-prod', 'https://gitlab.com/acme/deploy', 'https://github.com/acme', '/srv/git/deploy', '']) {
      expect(repoMatches(app, urls), app).toBe(false);
    }
    expect(repoMatches('ssh://git@gitea.local:2222/acme/deploy.git', ['https://gitea.local/acme/deploy'])).toBe(true);
  });
});
