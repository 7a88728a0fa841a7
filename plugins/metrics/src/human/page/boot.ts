/**
 * What the rating server hands the page at load: a JSON data block (`<script type="application/json"
 * id="boot">`), which the browser never executes, so the page's CSP needs no inline-script allowance.
 */
import type { Kit } from "../kitFormat.js"

export interface RatingPageBoot {
  /** per-start write token, sent back in the `x-zaoji-token` header */
  readonly token: string
  /** the rater fixed on the command line; otherwise the page asks */
  readonly rater: string | null
  readonly kit: Kit
  /** whether the live-chat tab is shown */
  readonly live: boolean
}

/** the id of the data block */
export const BOOT_ELEMENT_ID = "boot"
