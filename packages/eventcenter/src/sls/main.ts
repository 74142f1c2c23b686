export async function provisionSlsMain(_argv: readonly string[]): Promise<number> {
  process.stderr.write('eventcenter provision-sls: not implemented yet\n');
  return 2;
}
