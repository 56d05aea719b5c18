// Placeholder until the harness lands.
export default async function globalTeardown(): Promise<void> {}
