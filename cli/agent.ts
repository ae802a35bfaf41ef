/** `pulsepet agent` — being built; see the open issues. */
export async function agent(_argv: string[]): Promise<number> {
  process.stderr.write('pulsepet agent: not implemented yet\n');
  return 1;
}
