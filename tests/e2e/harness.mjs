// Shared by the end-to-end tests and the browser benchmark: serve dist/ on loopback (optionally
// under a sub-path, as a static host would) and drive the system Chromium with Playwright.
import { createServer } from "node:http";
import { mkdir, readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { before, after } from "node:test";

export const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
// `CASCADE_DIST` points the tests at another build (say, an older one, to see a test fail there).
export const dist = process.env.CASCADE_DIST ?? join(root, "dist");

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

/** The centre of an element on the page. */
export async function centre(locator) {
  const box = await locator.boundingBox();
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** A real mouse drag from one point to another, in small steps. */
export async function drag(page, from, to) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 5 });
  await page.mouse.move(to.x, to.y, { steps: 5 });
  await page.mouse.up();
}

/** The simulated clock, in seconds. */
export async function clockSeconds(target) {
  const text = await target.getByTestId("clock").first().textContent();
  return Number.parseFloat(text.replace(/[^0-9.]/g, ""));
}

/** Where the end-to-end tests put their screenshots. */
export const screenshots = join(root, "target", "screenshots");

/** Registers a test file's setup: dist/ served on loopback and one Chromium, both closed at
 *  the end. Returns an object whose `server` and `browser` are set once the suite starts. */
export function suite() {
  const shared = {};
  before(async () => {
    await mkdir(screenshots, { recursive: true });
    shared.server = await serve();
    shared.browser = await launch();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.server?.close();
  });
  return shared;
}
