import { serve, launch } from "./harness.mjs";
const server = await serve(process.env.DIST ?? undefined); const browser = await launch();
const runs = Number(process.argv[2] ?? 11);
const rows = [];
for (let run = 0; run < runs; run++) {
  const context = await browser.newContext(); const page = await context.newPage();
  await page.goto(server.url, { waitUntil: "commit" });
  rows.push(await page.evaluate(async () => {
    const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
    for (let tries = 0; tries < 1500; tries++) { if (performance.getEntriesByName("cascade-topology-drawn").length) break; await new Promise((w) => setTimeout(w, 20)); }
    const wasm = performance.getEntriesByType("resource").find((r) => r.name.endsWith(".wasm"));
    const js = performance.getEntriesByType("resource").find((r) => r.name.endsWith(".js"));
    return { jsEnd: js?.responseEnd, wasmEnd: wasm?.responseEnd, start: at("cascade-start"), booted: at("cascade-booted"), mounted: at("cascade-mounted"), drawn: at("cascade-topology-drawn") };
  }));
  await context.close();
}
const med = (k) => { const v = rows.map((r) => r[k]).sort((a, b) => a - b); return v[Math.floor(v.length / 2)].toFixed(0); };
console.log(["jsEnd", "wasmEnd", "start", "booted", "mounted", "drawn"].map((k) => `${k} ${med(k)}`).join(" | "));
await browser.close(); await server.close(); process.exit(0);
