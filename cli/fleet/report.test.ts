import { describe, expect, it } from 'vitest';
import { bulkReport, describeReport, listReport, revokedReport, rotatedReport } from './report';

const id = (c: string): string => c.repeat(64);

describe('Function: listReport', () => {
  it('aligns things under THING and shows - for a thing without certificates', () => {
    const text = listReport(
      [
        { thing: 'pet-1', certificates: [{ certificateId: id('a'), certificateArn: 'arn', status: 'ACTIVE' }] },
        { thing: 'a-long-name', certificates: [] },
      ],
      false,
    );
    expect(text.split('\n')).toEqual(['THING        CERTIFICATES', `pet-1        ${id('a')} ACTIVE`, 'a-long-name  -', '']);
  });

  it('prints one JSON object under --json', () => {
    expect(JSON.parse(listReport([], true))).toEqual({ things: [] });
  });
});

describe('Function: describeReport', () => {
  it('lists attributes and each certificate with its policies', () => {
    const text = describeReport(
      {
        thing: 'pet-1',
        thingArn: 'arn:aws:iot:us-east-1:1:thing/pet-1',
        version: 2,
        attributes: { kind: 'watch' },
        certificates: [{ certificateId: id('b'), certificateArn: 'arn', status: 'REVOKED', policies: [] }],
      },
      false,
    );
    expect(text).toBe(
      'thing pet-1\n  arn arn:aws:iot:us-east-1:1:thing/pet-1\n  version 2\n  attributes kind=watch\n' +
        `  certificate ${id('b')} REVOKED policies -\n`,
    );
  });

  it('says so when there are no attributes or certificates', () => {
    const text = describeReport({ thing: 't', thingArn: 'a', version: 1, attributes: {}, certificates: [] }, false);
    expect(text).toContain('  attributes -\n  certificates -\n');
  });
});

describe('Function: revokedReport', () => {
  it('counts and names the revoked certificates', () => {
    expect(revokedReport(['x', 'y'], false)).toBe('revoked 2 certificate(s): x, y\n');
    expect(JSON.parse(revokedReport(['x'], true))).toEqual({ revoked: ['x'] });
  });
});

describe('Function: rotatedReport', () => {
  it('gives the grace period in seconds', () => {
    const r = { thing: 't', certificateId: 'n', certificateArn: 'a', retired: ['o'], policies: ['p1', 'p2'], configFile: 'c.json', graceMs: 1_500 };
    expect(rotatedReport(r, false)).toBe(
      'rotated t: certificate n ACTIVE (policies p1,p2), 1 old certificate(s) INACTIVE and detached after 1.5s, config c.json\n',
    );
  });
});

describe('Function: bulkReport', () => {
  it('reports the rate over the elapsed time and rounds JSON figures to two places', () => {
    const outcome = { done: [], failures: [{ thing: 'p-0001', error: 'boom' }], seconds: 2 / 3 };
    expect(bulkReport(outcome, false)).toBe('provisioned 0 things in 0.7 s (0.0/s), 1 failed\n');
    expect(JSON.parse(bulkReport(outcome, true))).toMatchObject({ provisioned: 0, failed: 1, seconds: 0.67, perSecond: 0 });
  });
});
