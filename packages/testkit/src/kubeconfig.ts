import { readFile, writeFile } from 'node:fs/promises';

export type KubeconfigUser = { readonly token: string } | { readonly cert: string; readonly key: string };

/** Writes a one-context kubeconfig with the CA and credentials embedded. */
export async function writeKubeconfig(path: string, options: { server: string; caCert: string; user: KubeconfigUser }): Promise<string> {
  const b64 = async (file: string): Promise<string> => (await readFile(file)).toString('base64');
  const credentials =
    'token' in options.user
      ? `    token: ${options.user.token}`
      : `    client-certificate-data: ${await b64(options.user.cert)}\n    client-key-data: ${await b64(options.user.key)}`;
  const text = `apiVersion: v1
kind: Config
clusters:
- name: testkit
  cluster:
    server: ${options.server}
    certificate-authority-data: ${await b64(options.caCert)}
users:
- name: testkit
  user:
${credentials}
contexts:
- name: testkit
  context:
    cluster: testkit
    user: testkit
current-context: testkit
`;
  await writeFile(path, text, { mode: 0o600 });
  return path;
}
