// https:// peer URLs: the same transport and endpoints over TLS (ALPN h2 for members,
// HTTP/1.1 for tools), with a certificate made for the test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { MessageType } from "../../../src/raft/types.js";
import { fetchClusterMembers } from "../../../src/transport/members.js";
import { message, startMember, waitFor } from "./helpers.js";

const A = 0xa1n;
const B = 0xb2n;

function makeCertificate(): { cert: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsctl-transport-tls-"));
  try {
    const keyFile = path.join(dir, "key.pem");
    const certFile = path.join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        keyFile,
        "-out",
        certFile,
        "-days",
        "1",
        "-subj",
        "/CN=tsctl-test",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    return { cert: fs.readFileSync(certFile, "utf8"), key: fs.readFileSync(keyFile, "utf8") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("members talk over TLS; a client that does not trust the certificate cannot", async () => {
  const { cert, key } = makeCertificate();
  const clientTls = { ca: cert, cert, key };
  const a = await startMember(A, { serverTls: { cert, key }, tls: clientTls });
  const b = await startMember(B, {
    serverTls: { cert, key, ca: cert, clientCertAuth: true },
    tls: clientTls,
    routes: { members: () => [{ id: B, name: "b", peerURLs: [], clientURLs: [] }] },
  });
  const stranger = await startMember(0xc3n, { tls: {} });
  try {
    assert.match(b.url, /^https:/);
    a.transport.addPeer(B, [b.url]);
    b.transport.addPeer(A, [a.url]);
    a.transport.send([
      message(A, B, { index: 1 }),
      message(A, B, {
        type: MessageType.Snap,
        snapshot: {
          data: Buffer.alloc(1024 * 1024, 3),
          metadata: { index: 5, term: 1, confState: { voters: [A, B], learners: [] } },
        },
      }),
    ]);
    await waitFor("message over TLS", () => b.received.some((m) => m.index === 1));
    await waitFor("snapshot over TLS", () => a.snapshotStatus.length === 1);
    assert.deepEqual(a.snapshotStatus, [{ id: B, ok: true }]);
    b.transport.send([message(B, A, { index: 2 })]);
    await waitFor("reply over TLS", () => a.received.length === 1);

    const cluster = await fetchClusterMembers([b.url], 2000, clientTls);
    assert.equal(cluster.members[0]!.name, "b");
    await assert.rejects(fetchClusterMembers([b.url], 2000), /could not retrieve/);

    stranger.transport.addPeer(B, [b.url]);
    await waitFor("stranger refused", () => stranger.unreachable.includes(B));
    assert.equal(stranger.transport.isActive(B), false);
  } finally {
    await a.stop();
    await b.stop();
    await stranger.stop();
  }
});
