/** The account and region the local IoT Core pretends to be. ARNs use these. */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const DEFAULT_REGION = 'us-east-1';

export function iotArn(region: string, resource: string): string {
  return `arn:aws:iot:${region}:${LOCAL_ACCOUNT_ID}:${resource}`;
}
