/**
 * The rating page in a real headless browser (Debian's chromium through playwright-core): rate,
 * reload, see the ratings restored, and check that unblinding gives the expected per-model means.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { chromium, type BrowserContext, type Page } from "playwright-core"
import { startRatingServer, type RatingServer } from "../src/human/ratingServer.js"
import { unblindKit } from "../src/human/unblind.js"
import { makeFixtureKit, type Fixture } from "./human-fixture.js"
import { tinyModel, tinyTokenizer } from "./human-tinyModel.js"
import { glmResponder } from "../src/human/glmResponder.js"
import { historyMessages } from "../src/human/dialogue.js"
import type { GlmModel, Tokenizer } from "@zaoji/glm-runtime"

const CHROMIUM = "/usr/bin/chromium"
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) console.warn(`[zaoji tests] ${CHROMIUM} not found: rating-page browser tests skipped (install Debian's chromium to run them)`)

// what each rater gives each model; the unblinded means must come out as these averages
const GIVE: Record<string, Record<string, number>> = {
  alice: { base: 2, stage1: 6, stage2: 9 },
  bob: { base: 4, stage1: 5, stage2: 8 }
}

describe.skipIf(!hasChromium)(`rating page in headless chromium${hasChromium ? "" : ` (${CHROMIUM} not found: skipped; install Debian's chromium)`}`, () => {
  let fx: Fixture
  let server: RatingServer
  let context: BrowserContext
  let profile: string
  let tokenizer: Tokenizer
  let liveModel: GlmModel

  beforeAll(async () => {
    fx = makeFixtureKit()
    tokenizer = tinyTokenizer()
    liveModel = tinyModel(tokenizer, 9)
    const respond = glmResponder(liveModel, tokenizer, { maxNewTokens: 6 })
    server = await startRatingServer({ kitDir: fx.kitDir, liveModels: { live: async (h, m) => (await respond([historyMessages(undefined, h, m)]))[0]! } })
    profile = mkdtempSync(join(tmpdir(), "zaoji-chromium-"))
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync"
      ]
    })
  })
  afterAll(async () => {
    await context?.close()
    await server?.close()
    liveModel?.dispose()
    if (profile) rmSync(profile, { recursive: true, force: true })
    if (fx) rmSync(fx.root, { recursive: true, force: true })
  })

  const currentQuestionId = async (page: Page): Promise<string> => {
    const text = await page.locator(".who").first().textContent()
    return /\((q\d+)\)/.exec(text ?? "")![1]!
  }
  const rateCurrentQuestion = async (page: Page, rater: string) => {
    const qid = await currentQuestionId(page)
    for (const label of ["A", "B", "C"]) {
      const score = GIVE[rater]![fx.modelOf(qid, label)]!
      await page.locator(`[data-testid="score-${label}"] label`, { hasText: new RegExp(`^${score}$`) }).click()
    }
    return qid
  }
  // Locators, not waitForFunction: the page's CSP forbids eval, which waitForFunction needs as soon as
  // its first check fails (a slow save), while selectors run outside the page's own scripts.
  const waitSaved = async (page: Page) => {
    const saving = page.locator(".saved", { hasText: /^saving…$/ })
    while ((await saving.count()) > 0) await saving.first().waitFor({ state: "detached" })
  }

  it("asks for the rater's name, stores ratings as they are entered, and restores them after a reload", async () => {
    const page = await context.newPage()
    const errors: Array<string> = []
    page.on("pageerror", (e) => errors.push(e.message))
    await page.goto(server.url)
    await page.getByTestId("rater-name").fill("alice")
    await page.getByTestId("rater-start").click()
    await expect.poll(() => page.getByTestId("progress").textContent()).toContain("0 / 3 questions")
    expect(await page.getByTestId("question").textContent()).toBe(fx.kit.kit.questions[0]!.question)

    const q1 = await rateCurrentQuestion(page, "alice")
    await page.getByTestId("comment-A").fill("表述不够具体")
    await page.getByTestId("comment-A").blur()
    await waitSaved(page)
    await expect.poll(() => page.getByTestId("progress").textContent()).toContain("1 / 3 questions (3 / 9 answers)")
    expect(await page.getByTestId(`goto-${q1}`).getAttribute("class")).toContain("done")

    // reload: the name is kept in the URL, the ratings come back, and the page resumes at question 2
    await page.reload()
    await expect.poll(() => page.getByTestId("progress").textContent()).toContain("1 / 3 questions")
    expect(await currentQuestionId(page)).toBe("q2")
    await page.getByTestId("prev").click()
    expect(await currentQuestionId(page)).toBe(q1)
    for (const label of ["A", "B", "C"]) {
      const checked = await page.locator(`[data-testid="score-${label}"] input:checked`).getAttribute("value")
      expect(Number(checked)).toBe(GIVE.alice![fx.modelOf(q1, label)]!)
    }
    expect(await page.getByTestId("comment-A").inputValue()).toBe("表述不够具体")

    // change one score, then finish the other questions
    await page.getByTestId("next").click()
    await rateCurrentQuestion(page, "alice")
    await page.getByTestId("next").click()
    await rateCurrentQuestion(page, "alice")
    await waitSaved(page)
    await expect.poll(() => page.getByTestId("progress").textContent()).toContain("3 / 3 questions (9 / 9 answers)")

    // scripted conversation: rate both replies of d1-A on three dimensions
    await page.getByTestId("tab-dialogues").click()
    for (const turn of [0, 1]) {
      for (const [dim, v] of [["accuracy", 4], ["doctorValue", 3], ["patientSuitability", 5]] as const) {
        await page.locator(`[data-testid="reply-${turn}-${dim}"] label`, { hasText: new RegExp(`^${v}$`) }).click()
      }
    }
    await waitSaved(page)
    await expect.poll(() => page.getByTestId("progress").textContent()).toContain("2 / 4 replies")

    // live chat: the reply comes from the server-side model and can be rated like a scripted one
    await page.getByTestId("tab-live").click()
    await page.getByTestId("live-start").click()
    await page.getByTestId("live-input").fill("胆结石能吃鸡蛋吗")
    await page.getByTestId("live-send").click()
    const [expected] = await glmResponder(liveModel, tokenizer, { maxNewTokens: 6 })([[{ role: "user", content: "胆结石能吃鸡蛋吗" }]])
    await expect.poll(() => page.locator('[data-testid="turn-0"] .text').nth(1).textContent()).toBe(expected)
    await page.locator('[data-testid="reply-0-accuracy"] label', { hasText: /^2$/ }).click()
    await waitSaved(page)
    expect(errors).toEqual([])
    await page.close()
  })

  it("keeps a second rater's ratings apart and unblinds to the expected per-model means", async () => {
    const page = await context.newPage()
    await page.goto(`${server.url}?rater=bob`)
    await expect.poll(() => page.getByTestId("progress").textContent()).toContain("0 / 3 questions")
    for (let i = 0; i < 3; i++) {
      await rateCurrentQuestion(page, "bob")
      if (i < 2) await page.getByTestId("next").click()
    }
    await waitSaved(page)
    await expect.poll(() => page.getByTestId("progress").textContent()).toContain("3 / 3 questions")
    await page.close()

    const report = unblindKit({ kitDir: fx.kitDir, resamples: 500, seed: 1 })
    expect(report.raters).toEqual(["alice", "bob"])
    const means = Object.fromEntries(report.blind.perModel.map((m) => [m.model, m.mean]))
    expect(means).toEqual({ base: 3, stage1: 5.5, stage2: 8.5 })
    for (const m of report.blind.perModel) expect(m.n).toBe(6)
    const perRater = Object.fromEntries(report.blind.perRater.map((r) => [`${r.rater}/${r.model}`, r.mean]))
    expect(perRater["alice/stage2"]).toBe(9)
    expect(perRater["bob/base"]).toBe(4)
    const commented = report.blind.ratings.find((r) => r.rater === "alice" && r.comment !== "")!
    expect(commented.comment).toBe("表述不够具体")
    expect(commented.model).toBe(fx.modelOf(commented.questionId, "A"))
    const d = report.dialogue.perModel.find((m) => m.model === fx.kit.mapping.dialogues["d1-A"])!
    expect([d.accuracy.mean, d.doctorValue.mean, d.patientSuitability.mean, d.overall.mean]).toEqual([4, 3, 5, 4])
    const live = report.dialogue.perModel.find((m) => m.model === "live")!
    expect(live.accuracy.mean).toBe(2)
    expect(live.conversations).toBe(1)
  })
})
