// Browser half of `make bench`: runs the reference workload in headless Chromium against the
// release build in dist/ and measures the gzipped size of what a visitor downloads. Prints a
// table, including the native figures passed as JSON in the first argument.
import { readdir, readFile } from "node:fs/promises";
import { join, extname } from "node:path";
import { gzipSync } from "node:zlib";
import { serve, launch, openPage, dist } from "./harness.mjs";

const native = process.argv[2] ? JSON.parse(process.argv[2]) : null;
const simulatedSeconds = Number(process.argv[3] ?? 10);
const runs = Number(process.argv[4] ?? 3);

const server = await serve();
const browser = await launch();
const samples = [];
const firstTopology = [];
let frame;
try {
  for (let run = 0; run < runs; run++) {
    const page = await openPage(browser, `${server.url}?bench=${simulatedSeconds}`);
    const text = await page.locator("#bench-result").textContent({ timeout: 120000 });
    samples.push(JSON.parse(text));
    await page.close();
  }
  // Frame budget: the stress topology (50 services, 100 links, about 5,000 messages on the
  // wire) running at 1x in the real playground; the page records each frame's work (simulation
  // step plus drawing the dots) and we read the last ten seconds once it is in steady state.
  const page = await openPage(browser, `${server.url}?preset=stress&speed=1`);
  await page.waitForTimeout(16000);
  frame = await page.locator("canvas.dots").evaluate((canvas) => ({
    p50: Number(canvas.dataset.frameP50Ms),
    p95: Number(canvas.dataset.frameP95Ms),
    frames: Number(canvas.dataset.frames),
    inFlight: Number(canvas.dataset.inFlight),
  }));
  if (page.problems.length) console.log("WARNING: console errors in the stress page:", page.problems);
  await page.close();
  // Navigation to the first drawn topology: a fresh context each time (nothing cached), the
  // page marks the first animation frame after the topology is in the document.
  for (let run = 0; run < 5; run++) {
    const context = await browser.newContext();
    const fresh = await context.newPage();
    await fresh.goto(server.url);
    await fresh.locator("svg.topology g.node").first().waitFor();
    const mark = await fresh.evaluate(async () => {
      for (let tries = 0; tries < 100; tries++) {
        const [entry] = performance.getEntriesByName("cascade-topology-drawn");
        if (entry) return entry.startTime;
        await new Promise((wait) => setTimeout(wait, 20));
      }
      return NaN;
    });
    firstTopology.push(mark);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
samples.sort((a, b) => a.events_per_second - b.events_per_second);
const wasm = samples[Math.floor(samples.length / 2)];

const sizes = { wasm: 0, js: 0, css: 0 };
for (const file of await readdir(dist)) {
  const kind = extname(file).slice(1);
  if (kind in sizes) sizes[kind] += gzipSync(await readFile(join(dist, file)), { level: 9 }).length;
}
const totalKb = (sizes.wasm + sizes.js + sizes.css) / 1000;

const row = (name, value, unit) => console.log(`${name.padEnd(46)} ${String(value).padStart(14)} ${unit}`);
console.log(`Reference workload: checkout at 10,000 requests/s, ${simulatedSeconds} simulated s, median of ${runs}`);
if (native) {
  row("simulation, native", native.events_per_second.toLocaleString("en"), "events/s");
  row("simulation, native wall time", native.wall_ms.toFixed(0), "ms");
}
row("simulation, wasm in headless Chromium", wasm.events_per_second.toLocaleString("en"), "events/s");
row("simulation, wasm wall time", wasm.wall_ms.toFixed(0), "ms");
if (native) {
  row("wasm slowdown vs native (same run)", (native.events_per_second / wasm.events_per_second).toFixed(2), "x");
  if (native.trace_hash !== wasm.trace_hash) {
    console.log(`WARNING: trace hashes differ (native ${native.trace_hash}, wasm ${wasm.trace_hash})`);
  }
}
row(`frame work, stress (${frame.inFlight} on the wire), median`, frame.p50.toFixed(2), "ms");
row("frame work, stress, p95 (budget 8 ms)", frame.p95.toFixed(2), "ms");
row("frames rendered in 16 s", frame.frames, "frames");
row("bundle, wasm gzipped", (sizes.wasm / 1000).toFixed(1), "KB");
row("bundle, js gzipped", (sizes.js / 1000).toFixed(1), "KB");
row("bundle, css gzipped", (sizes.css / 1000).toFixed(1), "KB");
row("bundle, wasm + js + css gzipped (budget 300 KB)", totalKb.toFixed(1), "KB");
firstTopology.sort((a, b) => a - b);
row("navigation to first drawn topology, median of 5", firstTopology[2].toFixed(0), "ms");
row("navigation to first drawn topology, worst (budget 1000 ms)", firstTopology[4].toFixed(0), "ms");
if (totalKb > 300) console.log("OVER BUDGET: the bundle is above 300 KB gzipped");
if (firstTopology[4] > 1000) console.log("OVER BUDGET: the first topology took more than 1 s");
