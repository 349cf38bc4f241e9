import { describe, expect, it } from 'vitest';
import { ErrInvalidRequest } from '../../../../src/storage/errors.js';
import {
  compare,
  duplicateKeyIn,
  keyBytes,
  keyValue,
  leaseId,
  putRequest,
  rangeRequest,
  txnRequest,
  txnResponse,
  watchCreateRequest,
  watchEvent,
} from '../../../../src/storage/etcd/convert.js';

const b = (s: string) => Buffer.from(s, 'utf8');

describe('keys and ranges', () => {
  it('sends "" with a range end as "\\0" (etcd rejects an empty key)', () => {
    expect(keyBytes('', '\0')).toEqual(Buffer.from([0]));
    expect(keyBytes('', undefined)).toEqual(Buffer.alloc(0));
    expect(keyBytes('/a', '\0')).toEqual(b('/a'));
  });

  it('maps every range field', () => {
    const r = rangeRequest({
      key: '/a',
      rangeEnd: '/b',
      limit: 5,
      revision: 7,
      keysOnly: true,
      countOnly: false,
      minModRevision: 1,
      maxModRevision: 2,
      minCreateRevision: 3,
      maxCreateRevision: 4,
    });
    expect(r).toEqual({
      key: b('/a'),
      range_end: b('/b'),
      limit: 5,
      revision: 7,
      keys_only: true,
      count_only: false,
      min_mod_revision: 1,
      max_mod_revision: 2,
      min_create_revision: 3,
      max_create_revision: 4,
    });
    expect(rangeRequest({ key: '/a', rangeEnd: '' }).range_end).toBeUndefined();
    expect(rangeRequest({ key: '/a', rangeEnd: '\0' }).range_end).toEqual(Buffer.from([0]));
  });

  it('rejects negative or fractional numbers', () => {
    expect(() => rangeRequest({ key: '/a', limit: -1 })).toThrow(ErrInvalidRequest);
    expect(() => rangeRequest({ key: '/a', revision: 1.5 })).toThrow(ErrInvalidRequest);
  });
});

describe('key-values', () => {
  it('maps etcd3’s decoded KeyValue (int64 as strings)', () => {
    expect(
      keyValue({ key: b('/k'), value: b('v'), create_revision: '2', mod_revision: '9', version: '3', lease: '0' }),
    ).toEqual({ key: '/k', value: 'v', createRevision: 2, modRevision: 9, version: 3, lease: '0' });
    expect(
      keyValue({
        key: b('/k'),
        value: b(''),
        create_revision: '2',
        mod_revision: '9',
        version: '3',
        lease: '7587862072907369988',
      }).lease,
    ).toBe('7587862072907369988');
  });

  it('keeps lease ids exact and normalised', () => {
    expect(leaseId(undefined)).toBe('0');
    expect(leaseId('')).toBe('0');
    expect(leaseId('007')).toBe('7');
    expect(leaseId('9223372036854775807')).toBe('9223372036854775807');
    expect(() => leaseId('abc')).toThrow(ErrInvalidRequest);
  });

  it('drops value and lease with ignoreValue / ignoreLease, as etcd requires', () => {
    const p = putRequest({ key: '/k', value: 'x', lease: '5', ignoreValue: true, ignoreLease: true });
    expect(p.value).toEqual(Buffer.alloc(0));
    expect(p.lease).toBe('0');
    expect(p.ignore_value).toBe(true);
    expect(p.ignore_lease).toBe(true);
  });
});

describe('txn', () => {
  it('maps compares on every target and result', () => {
    expect(compare({ key: '/k', target: 'value', result: '=', value: 'v' })).toMatchObject({
      target: 'Value',
      result: 'Equal',
      value: b('v'),
    });
    expect(compare({ key: '/k', target: 'version', result: '!=', value: 2 })).toMatchObject({
      target: 'Version',
      result: 'NotEqual',
      version: 2,
    });
    expect(compare({ key: '/k', target: 'create', result: '<', value: 3 })).toMatchObject({
      target: 'Create',
      result: 'Less',
      create_revision: 3,
    });
    expect(compare({ key: '/k', rangeEnd: '/l', target: 'mod', result: '>', value: 4 })).toMatchObject({
      target: 'Mod',
      result: 'Greater',
      mod_revision: 4,
      range_end: b('/l'),
    });
    expect(compare({ key: '/k', target: 'lease', result: '=', value: '12' })).toMatchObject({
      target: 'Lease',
      lease: '12',
    });
    expect(() => compare({ key: '/k', target: 'version', result: '=', value: 'x' })).toThrow(ErrInvalidRequest);
  });

  it('maps nested ops and responses (proto-loader oneofs)', () => {
    const req = txnRequest({
      success: [{ txn: { success: [{ range: { key: '/a' } }] } }, { deleteRange: { key: '/x', prevKv: true } }],
    });
    expect(req.success?.[0].request_txn?.success?.[0].request_range?.key).toEqual(b('/a'));
    expect(req.success?.[1].request_delete_range?.prev_kv).toBe(true);

    const res = txnResponse({
      header: { revision: '12', cluster_id: '1', member_id: '1', raft_term: '2' },
      succeeded: true,
      responses: [
        {
          response: 'response_put',
          response_put: { header: { revision: '0' } },
        } as never,
        {
          response: 'response_txn',
          response_txn: {
            header: null,
            succeeded: false,
            responses: [
              {
                response: 'response_range',
                response_range: { header: { revision: '12' }, kvs: [], more: false, count: '0' },
              },
            ],
          },
        } as never,
      ],
    });
    expect(res).toEqual({
      header: { revision: 12 },
      succeeded: true,
      responses: [
        { put: { header: { revision: 12 } } },
        {
          txn: {
            header: { revision: 12 },
            succeeded: false,
            responses: [{ range: { header: { revision: 12 }, kvs: [], more: false, count: 0 } }],
          },
        },
      ],
    });
  });

  it('names the key written twice', () => {
    expect(
      duplicateKeyIn({
        success: [{ put: { key: '/a', value: '1' } }, { put: { key: '/a', value: '2' } }],
      }),
    ).toBe('/a');
    expect(
      duplicateKeyIn({
        success: [{ deleteRange: { key: '/a', rangeEnd: '/b' } }, { put: { key: '/a1', value: '2' } }],
      }),
    ).toBe('/a1');
    expect(duplicateKeyIn({ success: [{ put: { key: '/a', value: '1' } }] })).toBeUndefined();
  });
});

describe('watch', () => {
  it('maps the create request', () => {
    expect(
      watchCreateRequest(
        { key: '', rangeEnd: '\0', prevKv: true, progressNotify: true, filters: ['noput', 'nodelete'] },
        9,
      ),
    ).toEqual({
      key: Buffer.from([0]),
      range_end: Buffer.from([0]),
      start_revision: 9,
      progress_notify: true,
      filters: ['Noput', 'Nodelete'],
      prev_kv: true,
    });
  });

  it('maps DELETE events with the deletion revision and zeroed fields', () => {
    const ev = watchEvent({
      type: 'Delete',
      kv: { key: b('/k'), value: b(''), create_revision: '0', mod_revision: '8', version: '0', lease: '0' },
      prev_kv: { key: b('/k'), value: b('v'), create_revision: '2', mod_revision: '5', version: '2', lease: '0' },
    });
    expect(ev).toEqual({
      type: 'DELETE',
      kv: { key: '/k', value: '', createRevision: 0, modRevision: 8, version: 0, lease: '0' },
      prevKv: { key: '/k', value: 'v', createRevision: 2, modRevision: 5, version: 2, lease: '0' },
    });
    expect(
      watchEvent({
        type: 'Put',
        kv: { key: b('/k'), value: b('v'), create_revision: '2', mod_revision: '2', version: '1', lease: '0' },
        prev_kv: undefined as never,
      }).type,
    ).toBe('PUT');
  });
});
