// What several test files share: a run of actions through the reducer, and a status.

import { type Action, type AppState, type Status, initialState, reduce } from "../src/state";

export function run(actions: Action[], start: AppState = initialState("ar")): AppState {
  return actions.reduce(reduce, start);
}

export const status = (over: Partial<Status>): Status => ({
  phase: "ready",
  missing: [],
  models_dir: "",
  steps: [],
  import: null,
  problems: [],
  degraded: [],
  failure: null,
  simulated: false,
  ready_ms: null,
  ...over,
});
