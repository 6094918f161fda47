// Throw-away TLS material for tests (openssl): a CA, a server certificate for 127.0.0.1 and
// localhost, and a client certificate, written to a fresh temp dir.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface TestCerts {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  cleanup(): void;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function makeTestCerts(): TestCerts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsctl-certs-"));
  const p = (name: string): string => path.join(dir, name);
  const ssl = (...args: string[]): void => {
    execFileSync("openssl", args, { stdio: "ignore", cwd: dir });
  };
  ssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=tsctl-test-ca",
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.crt"),
  );
  fs.writeFileSync(
    p("server.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n",
  );
  fs.writeFileSync(p("client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const [name, cn] of [
    ["server", "127.0.0.1"],
    ["client", "root"],
  ] as const) {
    ssl(
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      p(`${name}.key`),
      "-out",
      p(`${name}.csr`),
    );
    ssl(
      "x509",
      "-req",
      "-in",
      p(`${name}.csr`),
      "-CA",
      p("ca.crt"),
      "-CAkey",
      p("ca.key"),
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      p(`${name}.ext`),
      "-out",
      p(`${name}.crt`),
    );
  }
  return {
    dir,
    caCert: p("ca.crt"),
    serverCert: p("server.crt"),
    serverKey: p("server.key"),
    clientCert: p("client.crt"),
    clientKey: p("client.key"),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
