import { describe, expect, it } from 'vitest';
import { bodyPersonaFor } from '../../simulators/index';
import { RunFlags } from './flags';
import { deviceSpecs } from './run';

describe('Function: deviceSpecs', () => {
  const ids = ['a-1', 'a-2', 'a-3', 'a-4', 'a-5'].map((thing) => ({ thing, certificatePem: 'cert', privateKeyPem: 'key' }));

  it('deals a --scenario list across the devices in turn, each with the body its seed deals it', () => {
    const f = RunFlags.parse({ devices: '5', scenario: 'burnout,illness,run' });
    const specs = deviceSpecs(ids, f);
    expect(specs.map((s) => s.scenario)).toEqual(['burnout', 'illness', 'run', 'burnout', 'illness']);
    expect(specs.map((s) => s.bodyPersona)).toEqual(ids.map((d) => bodyPersonaFor(1, d.thing)));
  });

  it('plays one scenario on every device, and mix deals the seven', () => {
    expect(deviceSpecs(ids, RunFlags.parse({ devices: '5', scenario: 'sleep' })).map((s) => s.scenario)).toEqual(['sleep', 'sleep', 'sleep', 'sleep', 'sleep']);
    expect(deviceSpecs(ids, RunFlags.parse({ devices: '5' })).map((s) => s.scenario)).toEqual(['rest', 'run', 'stress', 'sleep', 'hike']);
  });
});
