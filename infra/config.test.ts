import { describe, expect, it } from 'vitest';
import { isPulsepetError } from '../protocol/errors';
import { AVATAR_DEFAULT_MODEL_ID } from '../protocol/avatar';
import { COACH_DEFAULT_MODEL_ID } from '../protocol/resources';
import { loadInfraConfig } from './config';

describe('Function: loadInfraConfig', () => {
  it('needs only the account, and defaults everything else', () => {
    expect(loadInfraConfig({ PULSEPET_AWS_ACCOUNT_ID: '123456789012' })).toEqual({
      accountId: '123456789012',
      region: 'us-east-1',
      namePrefix: 'pulsepet',
      stage: 'prod',
      coach: { kind: 'bedrock', modelId: COACH_DEFAULT_MODEL_ID },
      avatar: { modelId: AVATAR_DEFAULT_MODEL_ID },
      modelEndpoint: undefined,
      alarmEmail: undefined,
      logRetentionDays: 30,
      iotLogLevel: 'ERROR',
      displayDist: undefined,
      stateBucket: undefined,
      tags: { Project: 'pulsepet', Stage: 'prod', ManagedBy: 'cdktf' },
    });
  });

  it('reads every setting', () => {
    const c = loadInfraConfig({
      PULSEPET_AWS_ACCOUNT_ID: '210987654321',
      PULSEPET_AWS_REGION: 'eu-central-1',
      PULSEPET_NAME_PREFIX: 'pet-eu',
      PULSEPET_STAGE: 'staging',
      PULSEPET_COACH: 'deterministic',
      PULSEPET_COACH_MODEL_ID: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
      PULSEPET_MODEL_ENDPOINT: 'pulsepet-models',
      PULSEPET_ALARM_EMAIL: 'ops@example.com',
      PULSEPET_LOG_RETENTION_DAYS: '90',
      PULSEPET_IOT_LOG_LEVEL: 'WARN',
      PULSEPET_DISPLAY_DIST: 'display/dist',
      PULSEPET_STATE_BUCKET: 'my-tf-state',
      PULSEPET_AVATAR_MODEL_ID: 'amazon.titan-image-generator-v2:0',
    });
    expect(c).toMatchObject({ region: 'eu-central-1', namePrefix: 'pet-eu', coach: { kind: 'deterministic' }, avatar: { modelId: 'amazon.titan-image-generator-v2:0' }, modelEndpoint: 'pulsepet-models', logRetentionDays: 90, iotLogLevel: 'WARN', stateBucket: 'my-tf-state' });
    expect(c.tags.Stage).toBe('staging');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reports every bad variable at once as PP_ERR_CONFIG', () => {
    let err: unknown;
    try {
      loadInfraConfig({ PULSEPET_AWS_REGION: 'mars', PULSEPET_LOG_RETENTION_DAYS: '31', PULSEPET_ALARM_EMAIL: 'nobody', PULSEPET_NAME_PREFIX: 'Pulse Pet' });
    } catch (e) {
      err = e;
    }
    expect(isPulsepetError(err, 'PP_ERR_CONFIG')).toBe(true);
    const problems = (err as { details: { problems: string[] } }).details.problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/PULSEPET_AWS_ACCOUNT_ID: required/);
    expect(problems.join('\n')).toMatch(/PULSEPET_AWS_REGION: not an AWS region/);
    expect(problems.join('\n')).toMatch(/PULSEPET_LOG_RETENTION_DAYS: one of 1, 3/);
  });

  it('takes an empty variable as unset', () => {
    expect(loadInfraConfig({ PULSEPET_AWS_ACCOUNT_ID: '123456789012', PULSEPET_ALARM_EMAIL: '', PULSEPET_AWS_REGION: '' }).region).toBe('us-east-1');
  });
});
