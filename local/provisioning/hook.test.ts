import { describe, expect, it } from 'vitest';
import { type FunctionInvoker, type PreProvisioningHookEvent, runPreProvisioningHook } from './hook';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:serial-check';
const EVENT: PreProvisioningHookEvent = {
  claimCertificateId: 'a',
  certificateId: 'b',
  certificatePem: 'pem',
  templateArn: 'arn:aws:iot:us-east-1:000000000000:provisioningtemplate/t',
  clientId: 'c',
  parameters: { SerialNumber: '1' },
};

describe('Function: runPreProvisioningHook', () => {
  it('invokes the function the ARN names with the event and returns its overrides as strings', async () => {
    const calls: string[] = [];
    const invoke: FunctionInvoker = async (name, event) => {
      calls.push(`${name} ${event.parameters.SerialNumber}`);
      return { allowProvisioning: true, parameterOverrides: { Batch: 7, Ok: 'yes' } };
    };
    expect(await runPreProvisioningHook(invoke, ARN, EVENT)).toEqual({ allowed: true, parameterOverrides: { Batch: '7', Ok: 'yes' } });
    expect(calls).toEqual(['serial-check 1']);
  });

  it.each([
    ['a refusal', async () => ({ allowProvisioning: false }), /did not allow provisioning/],
    ['no allowProvisioning', async () => ({}), /did not allow provisioning/],
    ['an answer of the wrong shape', async () => 'yes', /returned an answer that is not/],
    ['a failure', async () => Promise.reject(new Error('boom')), /failed: boom/],
    ['no answer in time', () => new Promise(() => {}), /did not return within 50 ms/],
  ])('refuses on %s', async (_what, invoke, reason) => {
    const r = await runPreProvisioningHook(invoke as FunctionInvoker, ARN, EVENT, 50);
    expect(r.allowed).toBe(false);
    expect(r.allowed === false && r.reason).toMatch(reason);
  });

  it('refuses when no Lambda service can run the hook', async () => {
    expect(await runPreProvisioningHook(undefined, ARN, EVENT)).toMatchObject({ allowed: false });
  });
});
