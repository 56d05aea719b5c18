// Placeholder until the harness lands: the integration project has no global state yet.
export default async function globalSetup(): Promise<void> {}
