// The generated service definitions name the ttrpc service and method exactly as containerd dials
// them: "/<package>.<Service>/<Method>".
import { Empty } from '../../../src/gen/google/protobuf/empty';
import * as v2 from '../../../src/gen/runtime/task/v2/shim';
import { TaskDefinition as TaskV3Definition } from '../../../src/gen/runtime/task/v3/shim';
import { EventsDefinition, ForwardRequest } from '../../../src/gen/services/ttrpc/events/v1/events';

const TASK_METHODS = [
  'State',
  'Create',
  'Start',
  'Delete',
  'Pids',
  'Pause',
  'Resume',
  'Checkpoint',
  'Kill',
  'Exec',
  'ResizePty',
  'CloseIO',
  'Update',
  'Wait',
  'Stats',
  'Connect',
  'Shutdown',
];

// Request and response message of every method, as in containerd's shim.proto.
const SIGNATURES: Record<string, [unknown, unknown]> = {
  State: [v2.StateRequest, v2.StateResponse],
  Create: [v2.CreateTaskRequest, v2.CreateTaskResponse],
  Start: [v2.StartRequest, v2.StartResponse],
  Delete: [v2.DeleteRequest, v2.DeleteResponse],
  Pids: [v2.PidsRequest, v2.PidsResponse],
  Pause: [v2.PauseRequest, Empty],
  Resume: [v2.ResumeRequest, Empty],
  Checkpoint: [v2.CheckpointTaskRequest, Empty],
  Kill: [v2.KillRequest, Empty],
  Exec: [v2.ExecProcessRequest, Empty],
  ResizePty: [v2.ResizePtyRequest, Empty],
  CloseIO: [v2.CloseIORequest, Empty],
  Update: [v2.UpdateTaskRequest, Empty],
  Wait: [v2.WaitRequest, v2.WaitResponse],
  Stats: [v2.StatsRequest, v2.StatsResponse],
  Connect: [v2.ConnectRequest, v2.ConnectResponse],
  Shutdown: [v2.ShutdownRequest, Empty],
};

interface MethodDef {
  name: string;
  requestType: unknown;
  responseType: unknown;
  requestStream: boolean;
  responseStream: boolean;
}

function paths(def: { fullName: string; methods: Record<string, MethodDef> }): string[] {
  return Object.values(def.methods).map((m) => `/${def.fullName}/${m.name}`);
}

describe.each([
  ['containerd.task.v2.Task', v2.TaskDefinition],
  ['containerd.task.v3.Task', TaskV3Definition],
])('%s', (fullName, def) => {
  test('service full name', () => {
    expect(def.fullName).toBe(fullName);
    expect(def.name).toBe('Task');
  });

  test('exposes exactly the 17 Task methods with their full paths', () => {
    expect(Object.keys(def.methods)).toHaveLength(17);
    expect(paths(def).sort()).toEqual(TASK_METHODS.map((m) => `/${fullName}/${m}`).sort());
  });

  test.each(TASK_METHODS)('%s is unary with the containerd request/response messages', (method) => {
    const m = Object.values(def.methods as Record<string, MethodDef>).find((x) => x.name === method);
    expect(m).toBeDefined();
    const [req, res] = SIGNATURES[method]!;
    expect(m!.requestType).toBe(req);
    expect(m!.responseType).toBe(res);
    expect(m!.requestStream).toBe(false);
    expect(m!.responseStream).toBe(false);
  });
});

test('v3 reuses the v2 message objects, so one handler serves both service names', () => {
  for (const [key, m] of Object.entries(v2.TaskDefinition.methods)) {
    const m3 = (TaskV3Definition.methods as Record<string, MethodDef>)[key]!;
    expect(m3.name).toBe(m.name);
    expect(m3.requestType).toBe(m.requestType);
    expect(m3.responseType).toBe(m.responseType);
  }
});

test('events service is /containerd.services.events.ttrpc.v1.Events/Forward(ForwardRequest) -> Empty', () => {
  expect(paths(EventsDefinition)).toEqual(['/containerd.services.events.ttrpc.v1.Events/Forward']);
  expect(EventsDefinition.methods.forward.requestType).toBe(ForwardRequest);
  expect(EventsDefinition.methods.forward.responseType).toBe(Empty);
});

test('Empty encodes to zero bytes', () => {
  expect(Empty.encode({}).finish()).toHaveLength(0);
});
