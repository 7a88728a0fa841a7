import * as tf from "@tensorflow/tfjs"

/**
 * Whether a gradient tape is recording. Outside one (inference) the helpers issue bare ops: a
 * custom-gradient wrapper costs a scope and saved clones per call, which dominates decoding.
 */
export const isRecording = (): boolean => tf.engine().isTapeOn()
