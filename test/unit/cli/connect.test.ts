// Which kubeconfig the CLI uses (flag, $KUBECONFIG, ./.gitplane, ~/.kube), the
// namespace it defaults to, and how unreachable servers are told from answers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatusError } from '../../../src/api/status.js';
import { connect, ConnectionError, describeUnreachable, isUnreachable, kubeconfigPath } from '../../../src/cli/connect.js';
import { kubeconfigYaml } from '../../../src/cli/kubeconfig.js';

describe('kubeconfigPath', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-kc-'));

  it('prefers the flag, then $KUBECONFIG, then ./.gitplane/kubeconfig, then ~/.kube/config', () => {
    expect(kubeconfigPath('kc.yaml', { KUBECONFIG: '/env/kc' }, '/cwd', '/home/u')).toBe('/cwd/kc.yaml');
    expect(kubeconfigPath(undefined, { KUBECONFIG: `/env/kc${path.delimiter}/other` }, '/cwd', '/home/u')).toBe('/env/kc');
    expect(kubeconfigPath(undefined, {}, tmp, '/home/u')).toBe('/home/u/.kube/config');
    fs.mkdirSync(path.join(tmp, '.gitplane'));
    fs.writeFileSync(path.join(tmp, '.gitplane', 'kubeconfig'), '');
    expect(kubeconfigPath(undefined, {}, tmp, '/home/u')).toBe(path.join(tmp, '.gitplane', 'kubeconfig'));
    expect(kubeconfigPath(undefined, { KUBECONFIG: '' }, tmp, '/home/u')).toBe(path.join(tmp, '.gitplane', 'kubeconfig'));
  });

  it('connects with the namespace flag or the app namespace by default', () => {
    const file = path.join(tmp, 'kc');
    fs.writeFileSync(file, kubeconfigYaml({ server: 'http://127.0.0.1:1', namespace: 'ignored' }));
    const conn = connect({ kubeconfig: file });
    expect(conn.namespace).toBe('gitplane-system');
    expect(conn.server).toBe('http://127.0.0.1:1');
    conn.close();
    const other = connect({ kubeconfig: file, namespace: 'team-a' });
    expect(other.namespace).toBe('team-a');
    other.close();
  });

  it('explains a missing or unusable kubeconfig', () => {
    expect(() => connect({ kubeconfig: path.join(tmp, 'missing') })).toThrow(ConnectionError);
    const bad = path.join(tmp, 'bad');
    fs.writeFileSync(bad, 'apiVersion: v1\nkind: Config\n');
    expect(() => connect({ kubeconfig: bad })).toThrow(/cannot use kubeconfig .*no current-context/);
  });
});

describe('isUnreachable', () => {
  const errno = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

  it('is true for refused, DNS, TLS and timeouts, false for server answers', () => {
    expect(isUnreachable(errno('ECONNREFUSED'))).toBe(true);
    expect(isUnreachable(errno('ENOTFOUND'))).toBe(true);
    expect(isUnreachable(errno('DEPTH_ZERO_SELF_SIGNED_CERT'))).toBe(true);
    expect(isUnreachable(errno('ERR_TLS_CERT_ALTNAME_INVALID'))).toBe(true);
    expect(isUnreachable(new Error('request timed out after 60000 ms of inactivity'))).toBe(true);
    expect(isUnreachable(new StatusError(404, 'NotFound', 'x'))).toBe(false);
    expect(isUnreachable(new Error('something else'))).toBe(false);
  });

  it('names the server and the reason', () => {
    expect(describeUnreachable(errno('ECONNREFUSED'), 'https://127.0.0.1:6443')).toBe(
      'cannot connect to the API server at https://127.0.0.1:6443: connection refused (is the cluster running? `gitplane up`)',
    );
    expect(describeUnreachable(errno('DEPTH_ZERO_SELF_SIGNED_CERT'), 'https://h')).toBe('cannot connect to the API server at https://h: connect DEPTH_ZERO_SELF_SIGNED_CERT');
  });
});
