// The version every command reports (--version, SARIF's tool.driver.version); package.json says the same.
export const VERSION = '0.1.0';
