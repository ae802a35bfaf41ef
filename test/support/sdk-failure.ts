/** The error an AWS SDK call failed with: its name (the service's error code), HTTP status and message; throws if the call succeeded. */
export async function sdkFailure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('the call succeeded');
}
