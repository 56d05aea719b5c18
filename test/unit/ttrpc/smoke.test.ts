import { Rig, EchoDefinition } from './fixtures';

let rig: Rig;
beforeEach(() => (rig = new Rig()));
afterEach(() => rig.dispose());

test('round trip', async () => {
  const { path } = await rig.server((s) =>
    s.register(EchoDefinition, {
      echo: async (req) => ({ key: req.key.toUpperCase(), value: req.value }),
      list: async (req) => ({ list: [req.service, req.method] }),
    }),
  );
  const c = rig.client(path).service(EchoDefinition);
  await expect(c.echo({ key: 'a', value: 'b' })).resolves.toEqual({ key: 'A', value: 'b' });
});
