// End-to-end test of the web UI: a person signs in, registers an AI system through the
// form, and finds it in the register and in its audit-trail history. Runs against a
// server on the embedded database (the demo) and, when E2E_DATABASE_URL is set,
// against a fresh PostgreSQL database.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const AIMS = process.env.E2E_AIMS_BIN ?? new URL("../../target/debug/aims", import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = process.env.E2E_SCREENSHOTS ?? join(tmpdir(), "aims-e2e");
const servers = [];

after(() => {
  for (const server of servers) server.kill("SIGTERM");
});

/** Starts `aims serve` and resolves with its base URL once it announces it. */
function serve(args, env = {}) {
  return new Promise((resolve, reject) => {
    const server = spawn(AIMS, ["serve", "--bind", "127.0.0.1:0", ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    servers.push(server);
    let output = "";
    server.stdout.on("data", (chunk) => {
      output += chunk;
      const match = output.match(/serving on (http:\/\/[^\s]+?)\/? /);
      if (match) resolve(match[1].replace(/\/$/, ""));
    });
    server.on("exit", (code) => reject(new Error(`aims serve exited with ${code}: ${output}`)));
    // unref: a timer left pending after a successful start must not keep the run alive.
    setTimeout(() => reject(new Error(`aims serve did not start: ${output}`)), 60_000).unref();
  });
}

/** A fresh installation on PostgreSQL, initialised through the CLI. */
function initPostgres(url) {
  const dir = mkdtempSync(join(tmpdir(), "aims-e2e-pg-"));
  writeFileSync(join(dir, "password"), "browser test password\n");
  const init = spawnSync(AIMS, ["--data-dir", join(dir, "data"), "--database-url", url, "init",
    "--admin", "admin", "--password-file", join(dir, "password")], { encoding: "utf8" });
  assert.equal(init.status, 0, init.stderr);
  return { dir, args: ["--data-dir", join(dir, "data"), "--database-url", url], password: "browser test password" };
}

async function registerAndFind(base, username, password, label) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    const problems = [];
    // The invalid form is answered 422 on purpose; anything else logged as an error is a bug.
    page.on("console", (message) => {
      if (message.type() === "error" && !message.text().includes("status of 422")) problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));

    await page.goto(`${base}/systems`);
    assert.match(page.url(), /\/login\?next=/, "signed-out users are sent to sign in");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${base}/systems`);

    await page.getByRole("link", { name: "Register an AI system" }).click();
    // Submitting without a name shows the error next to the field, keyboard-reachable.
    await page.getByLabel("Purpose").fill("Ranks loan applications by risk");
    await page.getByRole("button", { name: "Register" }).click();
    assert.equal(await page.locator("#name-error").textContent(), "is required");

    const name = `Browser-made system ${label} <b>${Date.now()}</b>`;
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Owner").fill("Risk analytics");
    await page.getByLabel("Life-cycle stage").selectOption("validation");
    await page.getByRole("button", { name: "Register" }).click();
    await page.waitForURL(/\/systems\/[0-9a-f-]{36}\?notice=created/);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), name, "HTML in names is shown as text");
    const history = page.locator("table.history");
    await assert.doesNotReject(history.getByText("ai_system.created").waitFor());

    // The register lists it, and live filtering (htmx) finds it.
    await page.getByRole("link", { name: "AI systems" }).click();
    await page.getByRole("searchbox").fill(`system ${label}`);
    await page.waitForFunction(() => new URL(location.href).searchParams.get("q") !== null);
    const rows = page.locator("#systems-table tbody tr");
    await assert.doesNotReject(rows.getByRole("link", { name }).waitFor());
    assert.equal(await rows.count(), 1);

    await page.screenshot({ path: join(SHOTS, `systems-${label}.png`), fullPage: true });
    await page.getByRole("link", { name }).click();
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByLabel("Owner").fill("Model risk team");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL(/notice=saved/);
    await assert.doesNotReject(history.getByText("ai_system.updated").waitFor());
    await page.screenshot({ path: join(SHOTS, `detail-${label}.png`), fullPage: true });
    assert.deepEqual(problems, [], "no script errors or CSP violations in the browser");
  } finally {
    await browser.close();
  }
}

test("a person registers an AI system in the browser (embedded database)", async () => {
  const base = await serve(["--demo"]);
  await registerAndFind(base, "admin", "aims-demo-password", "sqlite");
});

test("a governance lead completes, evidences and approves the SoA, then reads readiness", async () => {
  const base = await serve(["--demo"]);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel("Username").fill("gina");
    await page.getByLabel("Password").fill("aims-demo-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "Readiness" }).click();
    const before = Number((await page.locator(".tile .figure").first().innerText()).replace("%", ""));

    // The demo leaves two Annex A controls undecided: approval must refuse until they are.
    await page.getByRole("link", { name: "SoA" }).click();
    await page.getByRole("button", { name: "Approve" }).click();
    await assert.doesNotReject(page.getByRole("alert").getByText("cannot be approved yet").waitFor());
    for (const control of ["A.8.5", "A.9.3"]) {
      await page.goto(`${base}/soa/controls/${control}`);
      await page.getByLabel("Applicable (included)").check();
      await page.getByLabel("Justification").fill(`Our customers and staff rely on ${control}.`);
      await page.getByLabel("Implementation status").selectOption("planned");
      await page.getByRole("button", { name: "Save" }).click();
      await page.waitForURL(new RegExp(`/soa#row-${control.replace(/\./g, "\\.")}`));
    }

    // Attach evidence by uploading a file.
    await page.goto(`${base}/evidence/new?link=requirement:iso-iec-42001-2023:A.9.3`);
    await page.getByLabel("File (at most").setInputFiles({ name: "responsible-use.md", mimeType: "text/markdown", buffer: Buffer.from("# Responsible use objectives") });
    await page.getByLabel("Title").fill("Responsible use objectives");
    await page.getByLabel("Last reviewed on").fill("2026-11-30");
    await page.getByRole("button", { name: "Add evidence" }).click();
    await page.waitForURL(/\/evidence\/[0-9a-f-]{36}$/);
    await assert.doesNotReject(page.getByText("responsible-use.md").first().waitFor());

    await page.getByRole("link", { name: "SoA" }).click();
    await page.getByLabel("Approve the current SoA as a new version").fill("Stage 1 audit");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(/\/soa\/versions\/1$/);
    await assert.doesNotReject(page.getByText("Approved by Gina Lindqvist").waitFor());

    // The approved version exports as OSCAL with all 38 controls.
    const ssp = await page.request.get(`${base}/api/v1/soa/export?format=oscal-ssp&version=1`);
    assert.equal(ssp.status(), 200);
    const requirements = (await ssp.json())["system-security-plan"]["control-implementation"]["implemented-requirements"];
    assert.equal(requirements.length, 38);

    await page.getByRole("link", { name: "Readiness" }).click();
    await assert.doesNotReject(page.locator(".heatmap svg").waitFor());
    const after = Number((await page.locator(".tile .figure").first().innerText()).replace("%", ""));
    assert.ok(after > before, `readiness should rise as work is done (${before} -> ${after})`);
    await page.screenshot({ path: join(SHOTS, "readiness.png"), fullPage: true });
  } finally {
    await browser.close();
  }
});

test("a person registers an AI system in the browser (PostgreSQL)", { skip: !process.env.E2E_DATABASE_URL && "E2E_DATABASE_URL is not set" }, async () => {
  const install = initPostgres(process.env.E2E_DATABASE_URL);
  try {
    const base = await serve(install.args);
    await registerAndFind(base, "admin", install.password, "postgres");
  } finally {
    rmSync(install.dir, { recursive: true, force: true });
  }
});

/** Signs in on `page` as a demo user. */
async function signIn(page, base, username) {
  await page.context().clearCookies();
  await page.goto(`${base}/login`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("aims-demo-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/`);
}

test("an ML engineer registers a model version and asks to deploy a high-risk system; two leads approve", async () => {
  const base = await serve(["--demo"]);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on("pageerror", (error) => problems.push(error.message));

    // Maya registers credit-pd v4, trained on a registered dataset version.
    await signIn(page, base, "maya");
    await page.getByRole("link", { name: "Inventory" }).click();
    await page.getByRole("link", { name: /^Models/ }).click();
    await page.getByRole("link", { name: "credit-pd" }).click();
    await page.getByRole("link", { name: "New version" }).click();
    await page.getByLabel("Version").fill("4");
    await page.getByLabel("Training data").selectOption({ label: "Credit training set v2026-10" });
    await page.getByLabel("Metrics").fill("auc = 0.821\nks = 0.49");
    await page.getByLabel("Intended use").fill("Probability of default for consumer loans.");
    await page.getByLabel("Limitations").fill("Not for business loans.");
    await page.getByRole("button", { name: "Register" }).click();
    await page.waitForURL(/\/inventory\/model_version\/[0-9a-f-]{36}\?notice=created/);
    await assert.doesNotReject(page.getByRole("heading", { name: /credit-pd v4/ }).waitFor());
    await assert.doesNotReject(page.getByRole("link", { name: "Credit training set v2026-10" }).first().waitFor());

    // The high-risk credit-scoring system cannot be put forward yet: the page says why.
    await page.getByRole("link", { name: "AI systems" }).click();
    await page.getByRole("link", { name: "Credit scoring" }).click();
    await assert.doesNotReject(page.getByText("Annex III 5").first().waitFor());
    const deploy = page.locator(".transition", { hasText: "Deploy: validation → deployed" });
    await assert.doesNotReject(deploy.locator("li.gate-missing", { hasText: "An approved impact assessment" }).waitFor());
    await assert.doesNotReject(deploy.getByText("Meet or waive the missing requirements").waitFor());
    assert.equal(await deploy.getByRole("button", { name: "Request deploy" }).count(), 0);
    const systemUrl = page.url();

    // Gina waives what the organisation cannot show yet, for a few weeks, with a reason.
    await signIn(page, base, "gina");
    await page.goto(systemUrl);
    const missing = await page.locator(".transition", { hasText: "Deploy: validation → deployed" }).locator("li.gate-missing a", { hasText: "waive" }).evaluateAll((links) => links.map((a) => a.href));
    assert.ok(missing.length >= 1, "the missing gates offer a waiver");
    for (const href of missing) {
      await page.goto(href);
      await page.getByLabel("Reason").fill("Pilot with a human reviewing every decision until the assessment is approved.");
      await page.getByLabel("Last day").fill("2026-12-31");
      await page.getByRole("button", { name: "Grant waiver" }).click();
      await page.waitForURL(/notice=granted/);
    }

    // Maya asks; she cannot approve her own request.
    await signIn(page, base, "maya");
    await page.goto(systemUrl);
    const ready = page.locator(".transition", { hasText: "Deploy: validation → deployed" });
    await ready.getByLabel("Reason").fill("Validated on the 2026-10 hold-out; monitoring in place.");
    await ready.getByRole("button", { name: "Request deploy" }).click();
    await page.waitForURL(/\/changes\/\d+\?notice=requested/);
    const requestUrl = page.url().replace(/\?.*$/, "");
    await assert.doesNotReject(page.getByText("segregation of duties").first().waitFor());
    assert.equal(await page.getByRole("button", { name: "Approve" }).count(), 0);

    // Two governance leads approve; the first approval is not enough.
    await signIn(page, base, "gina");
    await page.getByRole("navigation").getByRole("link", { name: "My work" }).click();
    await page.getByRole("link", { name: /approve deploy of Credit scoring/ }).click();
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(/notice=pending/);
    await signIn(page, base, "gil");
    await page.goto(requestUrl);
    await page.getByLabel("Comment").fill("Agreed, with the waivers' conditions.");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(/notice=applied/);
    const history = page.locator("table.history");
    for (const action of ["change_request.requested", "change_request.approved", "change_request.applied"]) {
      await assert.doesNotReject(history.getByText(action).first().waitFor());
    }
    await page.goto(systemUrl);
    await assert.doesNotReject(page.locator(".record .stage-deployed").waitFor());
    await assert.doesNotReject(page.locator("table.history").getByText("ai_system.transitioned").waitFor());

    // The whole audit trail verifies, and the demo organisation's graph is drawn.
    const csrf = await page.locator("input[name=csrf_token]").first().inputValue();
    const verify = await page.request.post(`${base}/api/v1/ledger/verify`, { headers: { "x-csrf-token": csrf } });
    assert.equal(verify.status(), 200);
    assert.deepEqual((await verify.json()).problems, []);
    await page.goto(`${base}/inventory/graph`);
    await assert.doesNotReject(page.locator(".graph-wrap svg a", { hasText: "Bureau Data Ltd" }).first().waitFor());
    await page.screenshot({ path: join(SHOTS, "graph.png"), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test("a risk owner classifies, records and treats risks, gets the impact assessment approved, and the heat map moves", async () => {
  const base = await serve(["--demo"]);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await signIn(page, base, "rory");

    // Classify: high impact, high-risk under Annex III 5, with the reasons shown.
    await page.getByRole("navigation").getByRole("link", { name: "AI systems" }).click();
    await page.getByRole("link", { name: "Credit scoring" }).click();
    const systemUrl = page.url();
    await page.getByRole("link", { name: "Review the classification" }).click();
    await page.getByLabel("Sector or use").selectOption("essential_services");
    await page.getByLabel("Profiles people").check();
    await page.getByRole("button", { name: "Classify" }).click();
    await page.waitForURL(/notice=classified/);
    const classification = page.locator("#governance");
    await assert.doesNotReject(classification.getByText("high risk").waitFor());
    await assert.doesNotReject(classification.getByText("Annex III 5").first().waitFor());
    await assert.doesNotReject(classification.getByText(/profiles natural persons/).waitFor());

    // The vendor's risk reaches this system through its data.
    const risks = page.locator("#risks");
    await assert.doesNotReject(risks.getByText("Bureau records contain stale defaults").waitFor());
    await assert.doesNotReject(risks.getByText(/Bureau Data Ltd/).first().waitFor());

    // Record a new risk on the system.
    await risks.getByRole("link", { name: "Record a risk" }).click();
    await page.getByLabel("Title").fill("Model used outside consumer lending");
    await page.getByLabel("Risk source (Annex C)").selectOption("C.3.6");
    await page.getByLabel("Objective at stake (Annex C)").selectOption("C.2.1");
    await page.locator("#inherent_likelihood").selectOption("4");
    await page.locator("#inherent_impact").selectOption("5");
    await page.getByRole("button", { name: "Record" }).click();
    await page.waitForURL(/\/risks\/\d+\?notice=created/);
    await assert.doesNotReject(page.getByText("above appetite").first().waitFor());

    // Heat map before treatment.
    await page.getByRole("navigation").getByRole("link", { name: "Risks" }).click();
    const residualBefore = await page.locator(".heatmap svg").nth(1).innerHTML();
    const untreatedBefore = Number(await page.locator(".tile", { hasText: "above appetite, untreated" }).locator(".figure").innerText());
    assert.ok(untreatedBefore >= 3, `untreated above appetite: ${untreatedBefore}`);

    // Treat each untreated risk above appetite with an action linked to Annex A controls.
    const untreated = await page.locator("table.list tbody tr", { has: page.locator("strong", { hasText: "no" }) }).locator("a").evaluateAll((links) => links.map((a) => a.href));
    for (const href of untreated) {
      await page.goto(href);
      await page.getByLabel("Action", { exact: true }).fill("Add monitoring and a human review step");
      await page.getByLabel("Annex A controls").fill("A.6.2.6, A.9.2");
      await page.getByLabel("Validation criteria").fill("Monthly report shows no unexplained disparity");
      await page.getByRole("button", { name: "Add action" }).click();
      await page.waitForURL(/notice=action/);
    }
    // And re-assess the new risk's residual level after treatment.
    await page.goto(`${base}/risks`);
    await page.getByRole("link", { name: /Model used outside consumer lending/ }).first().click();
    await page.getByRole("link", { name: "Re-assess" }).click();
    await page.locator("#residual_likelihood").selectOption("2");
    await page.locator("#residual_impact").selectOption("2");
    await page.getByRole("button", { name: "Save the re-assessment" }).click();
    await page.waitForURL(/notice=saved/);
    await page.goto(`${base}/risks`);
    assert.equal(Number(await page.locator(".tile", { hasText: "above appetite, untreated" }).locator(".figure").innerText()), 0);
    assert.notEqual(await page.locator(".heatmap svg").nth(1).innerHTML(), residualBefore, "the residual heat map changes");

    // The impact assessment: drafted by the risk owner, approved by a governance lead.
    await page.goto(systemUrl);
    await page.getByLabel("Template").selectOption("lending");
    await page.getByRole("button", { name: "Start an assessment" }).click();
    await page.waitForURL(/\/assessments\/[0-9a-f-]{36}$/);
    const assessmentUrl = page.url();
    for (const area of await page.locator("form.record textarea").all()) {
      await area.fill("Assessed with the lending team; see the linked evidence.");
    }
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.waitForURL(/notice=saved/);
    await signIn(page, base, "gina");
    await page.goto(assessmentUrl);
    await page.getByRole("button", { name: "Approve this version" }).click();
    await page.waitForURL(/notice=approved/);
    await assert.doesNotReject(page.getByText("Approved by Gina Lindqvist").waitFor());
    await page.goto(systemUrl);
    const deploy = page.locator(".transition", { hasText: "Deploy: validation → deployed" });
    await assert.doesNotReject(deploy.locator("li.gate-met", { hasText: "An approved impact assessment" }).waitFor());
    await assert.doesNotReject(deploy.locator("li.gate-met", { hasText: "Every risk above appetite is treated" }).waitFor());

    // The chatbot shows the LLM vendor's risk too: one risk, on every dependent system.
    await page.getByRole("navigation").getByRole("link", { name: "AI systems" }).click();
    await page.getByRole("link", { name: "Customer service chatbot" }).click();
    await assert.doesNotReject(page.locator("#risks").getByText("Provider changes the model without notice").waitFor());

    // CSV round trip through the page: export, import, nothing changes.
    const exported = await page.request.get(`${base}/api/v1/risks/export?format=csv`);
    const csv = await exported.text();
    await page.goto(`${base}/risks`);
    await page.getByLabel("Import a CSV or JSON file").setInputFiles({ name: "risks.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await assert.doesNotReject(page.getByText("imported: 0 created, 0 updated").waitFor());
    assert.equal(await (await page.request.get(`${base}/api/v1/risks/export?format=csv`)).text(), csv);
    await page.screenshot({ path: join(SHOTS, "risks.png"), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
