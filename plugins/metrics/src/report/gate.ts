/**
 * The regression (forgetting) gate: on the general-ability set, each later model is compared with
 * an earlier reference model (by default the first model). A model *regresses* when
 * `reference − model > maxDrop` for the gate's metric (absolute difference, same scale as the
 * metric, e.g. 0.02 = two accuracy points). In mode "fail" a regression fails the stage (after the
 * report is written); in mode "flag" it is reported and the stage succeeds.
 */
export interface GateSettings {
  readonly reference: string
  readonly metric: string
  readonly maxDrop: number
  readonly mode: "fail" | "flag"
}

export interface GateCheck {
  readonly model: string
  readonly reference: string
  readonly metric: string
  readonly referenceValue: number
  readonly value: number
  readonly drop: number
  readonly regressed: boolean
}

export interface GateResult extends GateSettings {
  readonly checks: ReadonlyArray<GateCheck>
  readonly passed: boolean
}

export const regressionGate = (
  settings: GateSettings,
  order: ReadonlyArray<string>,
  valueOf: (model: string) => number | undefined
): GateResult => {
  const refIdx = order.indexOf(settings.reference)
  const refValue = valueOf(settings.reference)
  const checks: Array<GateCheck> = []
  if (refIdx >= 0 && refValue !== undefined && Number.isFinite(refValue))
    for (const model of order.slice(refIdx + 1)) {
      const value = valueOf(model)
      if (value === undefined || !Number.isFinite(value)) continue
      const drop = refValue - value
      checks.push({ model, reference: settings.reference, metric: settings.metric, referenceValue: refValue, value, drop, regressed: drop > settings.maxDrop })
    }
  return { ...settings, checks, passed: checks.every((c) => !c.regressed) }
}
