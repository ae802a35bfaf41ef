/** `pulsepet up` — being built; see the open issues. */
export async function up(_argv: string[]): Promise<number> {
  process.stderr.write('pulsepet up: not implemented yet\n');
  return 1;
}
