import { serve, launch, openPage } from "./harness.mjs";
const dirs = process.argv.slice(2);
const servers = await Promise.all(dirs.map((d) => serve(d)));
const browser = await launch();
const results = dirs.map(() => []);
for (let round = 0; round < 5; round++) {
  for (let i = 0; i < dirs.length; i++) {
    const page = await openPage(browser, `${servers[i].url}?bench=10`);
    const text = await page.locator("#bench-result").textContent({ timeout: 120000 });
    results[i].push(JSON.parse(text).events_per_second / 1e6);
    await page.close();
  }
}
for (let i = 0; i < dirs.length; i++) { const v = [...results[i]].sort((a, b) => a - b); console.log(dirs[i], "median", v[2].toFixed(2), "M/s", results[i].map((x) => x.toFixed(2)).join(" ")); }
await browser.close(); for (const s of servers) await s.close(); process.exit(0);
