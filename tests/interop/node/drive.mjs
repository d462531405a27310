// Drives the real Node clients for tests/interop: reads a JSON list of cases on stdin, runs them in order and
// prints one JSON object mapping each case's id to what happened. Nothing here knows entra-profiles: a case
// names a client, how to build it (constructor arguments as JSON) and what to ask for.
//
//   {"id", "client": "identity", "credential": {"type": "ClientSecretCredential", "args": [...]}, "scope"}
//       -> {"token", "expiresOn"}                       (@azure/identity: credential.getToken(scope))
//   {"id", "client": "msal", "config": {...}, "scopes": [...]}
//       -> {"token", "expiresOn", "tokenType"}           (@azure/msal-node: acquireTokenByClientCredential)
//   {"id", "client": "keyvault", "credential": {...}, "vault", "name"}
//       -> {"value", "secretId", "version"}              (@azure/keyvault-secrets: SecretClient.getSecret)
//   any failure -> {"error": {"name", "message", "code"}}
//
// A credential's `args` may hold {"$file": PATH} where a client wants a file's text (a PEM certificate).
// Secrets and tokens reach stdout here because the test that started us asked for them.
import { readFileSync } from "node:fs";
import * as identity from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import * as msal from "@azure/msal-node";

function resolveFiles(value) {
  if (Array.isArray(value)) return value.map(resolveFiles);
  if (value !== null && typeof value === "object") {
    if (typeof value.$file === "string") return readFileSync(value.$file, "utf8");
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveFiles(v)]));
  }
  return value;
}

function credentialFor(spec) {
  const Credential = identity[spec.type];
  if (typeof Credential !== "function") throw new Error(`@azure/identity has no ${spec.type}`);
  return new Credential(...resolveFiles(spec.args ?? []));
}

async function run(c) {
  switch (c.client) {
    case "identity": {
      const token = await credentialFor(c.credential).getToken(c.scope);
      if (token === null) throw new Error("getToken returned null");
      return { token: token.token, expiresOn: token.expiresOnTimestamp };
    }
    case "msal": {
      const app = new msal.ConfidentialClientApplication(resolveFiles(c.config));
      const result = await app.acquireTokenByClientCredential({ scopes: c.scopes });
      if (result === null) throw new Error("acquireTokenByClientCredential returned null");
      return { token: result.accessToken, expiresOn: result.expiresOn?.getTime() ?? null, tokenType: result.tokenType };
    }
    case "keyvault": {
      const client = new SecretClient(c.vault, credentialFor(c.credential), {
        disableChallengeResourceVerification: true, // the sandbox's vault lives on 127.0.0.1, not *.vault.azure.net
      });
      const secret = await client.getSecret(c.name);
      return { value: secret.value, secretId: secret.properties.id, version: secret.properties.version };
    }
    default:
      throw new Error(`unknown client ${c.client}`);
  }
}

const cases = JSON.parse(readFileSync(0, "utf8"));
const results = {};
for (const c of cases) {
  try {
    results[c.id] = await run(c);
  } catch (error) {
    results[c.id] = { error: { name: error?.name ?? typeof error, message: String(error?.message ?? error), code: error?.errorCode ?? error?.code ?? null } };
  }
}
process.stdout.write(JSON.stringify(results) + "\n");
