/** `pulsepet fleet` — being built; see the open issues. */
export async function fleet(_argv: string[]): Promise<number> {
  process.stderr.write('pulsepet fleet: not implemented yet\n');
  return 1;
}
