// Shared by the end-to-end tests and the browser benchmark: serve dist/ on loopback (optionally
// under a sub-path, as a static host would) and drive the system Chromium with Playwright.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const dist = join(root, "dist");

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

/** Serves `directory` at http://127.0.0.1:PORT{basePath}; resolves to { url, close }. */
export async function serve(directory = dist, basePath = "/") {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    if (!path.startsWith(basePath)) {
      response.writeHead(404).end("not under " + basePath);
      return;
    }
    let file = normalize(join(directory, path.slice(basePath.length)));
    if (!file.startsWith(directory)) {
      response.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end("not found");
    }
  });
  await new Promise((ready) => server.listen(0, "127.0.0.1", ready));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    close: () => new Promise((done) => server.close(done)),
  };
}

/** Launches headless Chromium with the flags this sandbox needs. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
  });
}

/** A new page that records console errors and uncaught exceptions into `page.problems`. */
export async function openPage(browser, url, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (message) => {
    if (message.type() === "error") page.problems.push(message.text());
  });
  page.on("pageerror", (error) => page.problems.push(String(error)));
  await page.goto(url);
  return page;
}

/** Reads an integer shown in the element with this data-testid. */
export async function numberOf(page, testId) {
  const text = await page.getByTestId(testId).first().textContent();
  const value = Number.parseInt(text.replace(/[^0-9]/g, ""), 10);
  if (Number.isNaN(value)) throw new Error(`${testId} shows no number: ${text}`);
  return value;
}

/** "12/20" style pairs from an element's text. */
export async function fractionOf(page, testId) {
  const text = await page.getByTestId(testId).first().textContent();
  const match = text.match(/(\d+)\s*\/\s*(\d+)/);
  if (!match) throw new Error(`${testId} shows no fraction: ${text}`);
  return [Number(match[1]), Number(match[2])];
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually(probe, timeoutMs = 15000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((wait) => setTimeout(wait, intervalMs));
  }
  return last;
}
