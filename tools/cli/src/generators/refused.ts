/** A generator refusing the user's request (bad name, existing files): nothing was written. */
export class GeneratorRefused extends Error {}
