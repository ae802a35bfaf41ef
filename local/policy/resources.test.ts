import { describe, expect, it } from 'vitest';
import { connectionThingName, iotResourceArn } from './resources';

describe('Function: connectionThingName', () => {
  it('uses the client id when it names an attached thing', () => {
    expect(connectionThingName('b', ['a', 'b'])).toBe('b');
  });
  it('uses the only attached thing otherwise', () => {
    expect(connectionThingName('x', ['a'])).toBe('a');
  });
  it('resolves no thing when several are attached and none is the client id', () => {
    expect(connectionThingName('x', ['a', 'b'])).toBeUndefined();
    expect(connectionThingName('x', [])).toBeUndefined();
  });
});

describe('Function: iotResourceArn', () => {
  it('builds the ARN format from the action-resources page', () => {
    expect(iotResourceArn({ region: 'us-east-1', accountId: '123456789012' }, 'topicfilter', '$aws/things/t/shadow/#')).toBe(
      'arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/things/t/shadow/#',
    );
  });
});
