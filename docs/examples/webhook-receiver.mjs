import http from "node:http"; import crypto from "node:crypto";
const key = Buffer.from(process.env.WEBHOOK_SECRET.replace(/^whsec_/, ""), "base64");
http.createServer((req, res) => { let body = ""; req.on("data", (c) => (body += c)); req.on("end", () => {
  const [id, ts, sigs] = ["webhook-id", "webhook-timestamp", "webhook-signature"].map((h) => req.headers[h] ?? "");
  const want = crypto.createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64");
  const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300; // replay protection: 5 minutes
  const ok = fresh && sigs.split(" ").some((s) => s.split(",")[1] === want);
  if (ok) console.log(id, JSON.parse(body).type, JSON.parse(body).data.evidence ?? JSON.parse(body).data.state);
  res.writeHead(ok ? 204 : 400).end(); // de-duplicate on webhook-id: retries reuse it
}); }).listen(Number(process.env.PORT ?? 8787), "127.0.0.1");
