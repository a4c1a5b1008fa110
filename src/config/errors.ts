/** A configuration file or variable that cannot be used; the message names the key and what is wrong. */
export class ConfigError extends Error {}
