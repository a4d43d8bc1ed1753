// The README's pictures: the playground at 1280 and 360 px wide, light and dark, a few
// seconds after Payments is killed in the checkout chain, and a built-in story at a step with
// its notes on the canvas. `make screenshots` writes them to docs/screenshots/ (run it after a
// visible change and commit the pictures).
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { serve, launch, root, eventually, clockSeconds } from "./harness.mjs";

const out = join(root, "docs", "screenshots");
await mkdir(out, { recursive: true });
const server = await serve();
const browser = await launch();
try {
  for (const theme of ["light", "dark"]) {
    for (const [width, height] of [[1280, 800], [360, 740]]) {
      const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, colorScheme: theme });
      const page = await context.newPage();
      await page.goto(`${server.url}?preset=checkout&speed=2&theme=${theme}`);
      await page.getByTestId("node-Payments").waitFor();
      await eventually(async () => (await clockSeconds(page)) >= 3, 15000);
      await page.getByTestId("kill-Payments").click();
      await eventually(async () => (await clockSeconds(page)) >= 9, 15000);
      await page.evaluate(() => window.scrollTo(0, 0));
      const file = join(out, `playground-${width}-${theme}.png`);
      await page.screenshot({ path: file });
      console.log("wrote", file);
      await context.close();
    }
  }
  // A story step with notes pinned to the canvas: the second step of the first built-in story.
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, colorScheme: "light" });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByTestId("node-Orders").waitFor();
    const first = await page.getByTestId("preset").locator("optgroup option").first().getAttribute("value");
    await page.getByTestId("preset").selectOption(first);
    await page.getByTestId("story-next").click();
    await page.getByTestId("pin").first().waitFor();
    const file = join(out, "story-step.png");
    await page.screenshot({ path: file });
    console.log("wrote", file);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
