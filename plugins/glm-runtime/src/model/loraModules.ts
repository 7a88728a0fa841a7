/**
 * The linears of a GLM layer a LoRA adapter may target (PEFT's `target_modules`). Apart from the
 * adapter code (lora.ts, which loads tfjs) because `lora.train`'s config Schema lists them, and a
 * workflow that is only planned loads no tensor code.
 */
export const LORA_MODULES = ["query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"] as const
