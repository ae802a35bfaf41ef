/** A function whose init phase (module load) takes 600 ms, for the cold-start timeout test. */
await new Promise((r) => setTimeout(r, 600));

export async function handler(event: unknown): Promise<unknown> {
  return event;
}
