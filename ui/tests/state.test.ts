import { describe, expect, it } from "vitest";
import { stateKey, statusProblem } from "../src/state";
import { STEP_KEYS } from "../src/view";
import { answer, heard, live, run, speaking, status } from "./fixtures";

const texts = (state: { sentences: { text: string }[] }) => state.sentences.map((s) => s.text);

describe("sentences", () => {
  it("lights each sentence by its index as it starts playing, and none once idle", () => {
    let state = run([heard(1, "How much is a passport?"), speaking(1, 0, "The stamp costs 500 dirhams.")]);
    expect(texts(state)).toEqual(["The stamp costs 500 dirhams."]);
    expect(state.current).toBe(0);
    state = run([speaking(1, 1, "Bring two photos.")], state);
    expect(state.current).toBe(1);
    state = run([answer(1, ["The stamp costs 500 dirhams.", "Bring two photos."])], state);
    expect(state.sentences).toHaveLength(2);
    expect(state.current).toBe(1);
    state = run([live({ event: "state", state: "idle" })], state);
    expect(state.current).toBe(-1);
  });

  it("lights a sentence said twice by where it is, not by its words", () => {
    const state = run([
      heard(1, "passport"),
      answer(1, ["Bring two photos.", "Pay the stamp.", "Bring two photos."]),
      speaking(1, 2, "Bring two photos."),
    ]);
    expect(state.current).toBe(2);
    expect(state.sentences).toHaveLength(3);
  });

  it("starts a new answer with a new turn: a question back, or what is said after an interruption", () => {
    let state = run([speaking(1, 0, "The stamp costs 500 dirhams."), answer(1, ["The stamp costs 500 dirhams."])]);
    state = run([live({ event: "state", state: "idle" }), speaking(2, 0, "I did not understand.", "question_back")], state);
    expect(state.sentences).toEqual([{ text: "I did not understand.", kind: "question_back" }]);
    state = run([speaking(2, 1, "Which document do you need?", "question_back")], state);
    expect(texts(state)).toEqual(["I did not understand.", "Which document do you need?"]);
    expect(state.current).toBe(1);
    state = run([live({ event: "interrupted", heard_ms: 400 }), speaking(3, 0, "Again.")], state);
    expect(texts(state)).toEqual(["Again."]);
    expect(state.turn).toBe(3);
  });

  it("shows the whole answer once it is known, each sentence with its kind, lit as it plays", () => {
    let state = run([
      heard(4, "passport"),
      speaking(4, 0, "Fill in the form."),
      answer(4, [
        { text: "Fill in the form.", kind: "card" },
        { text: "Pay the stamp.", kind: "model" },
        { text: "Do you want the details?", kind: "offer" },
      ]),
    ]);
    expect(texts(state)).toEqual(["Fill in the form.", "Pay the stamp.", "Do you want the details?"]);
    expect(state.sentences.map((s) => s.kind)).toEqual(["card", "model", "offer"]);
    expect(state.current).toBe(0);
    state = run([speaking(4, 1, "Pay the stamp.", "model")], state);
    expect(state.current).toBe(1);
    state = run([speaking(4, 2, "Do you want the details?", "offer")], state);
    expect(state.current).toBe(2);
    expect(state.sentences).toHaveLength(3);
    // A new question clears the answer.
    state = run([heard(5, "id card")], state);
    expect(state.sentences).toEqual([]);
    expect(state.current).toBe(-1);
  });

  it("shows a written answer whose sentences were never spoken, none lit", () => {
    const state = run([heard(1, "passport"), answer(1, ["One.", "Two."])]);
    expect(texts(state)).toEqual(["One.", "Two."]);
    expect(state.current).toBe(-1);
  });

  it("does not take a spoken control label for the answer", () => {
    let state = run([heard(1, "passport"), answer(1, ["The stamp costs 500 dirhams."])]);
    state = run([speaking(2, 0, "Say it again", "label")], state);
    expect(texts(state)).toEqual(["The stamp costs 500 dirhams."]);
    expect(state.turn).toBe(1);
    expect(state.current).toBe(-1);
  });
});

describe("the event reducer", () => {
  it("follows the person into the language they speak", () => {
    let state = run([heard(0, "Combien coûte le passeport ?", "fr")]);
    expect(state.lang).toBe("fr");
    expect(state.transcript).toBe("Combien coûte le passeport ?");
    state = run([answer(0, ["الجواز كيكلف 500 درهم."], "ary")], state);
    expect(state.lang).toBe("ary");
    state = run([heard(0, "hm", "de")], state);
    expect(state.lang).toBe("ary");
    // Darija is heard as Arabic: the Darija window stays Darija until the answer says otherwise.
    state = run([heard(0, "شحال كيسوا الباسبور", "ar")], state);
    expect(state.lang).toBe("ary");
    state = run([answer(0, ["يكلف جواز السفر 500 درهم."], "ar")], state);
    expect(state.lang).toBe("ar");
  });

  it("keeps a language chosen while the last answer was still coming", () => {
    let state = run([heard(0, "بغيت الباسبور", "ar")]);
    state = run([{ type: "lang", lang: "ary" }], state);
    state = run([answer(0, ["لم أفهم، أي وثيقة تحتاج؟"], "ar")], state);
    expect(state.lang).toBe("ary");
    // The next question heard: its answer leads again.
    state = run([heard(0, "Combien ?", "fr")], state);
    state = run([answer(0, ["Le timbre coûte 500 dirhams."], "fr")], state);
    expect(state.lang).toBe("fr");
  });

  it("clears the last answer when a new question is heard", () => {
    const state = run([answer(1, ["Old answer."]), heard(2, "new")]);
    expect(state.answer).toBeNull();
    expect(state.sentences).toEqual([]);
  });

  it("shows the state under the talk button", () => {
    let state = run([live({ event: "state", state: "thinking" })]);
    expect(stateKey(state)).toBe("state_thinking");
    state = run([live({ event: "state", state: "idle" }), live({ event: "hands_free", on: true })], state);
    expect(stateKey(state)).toBe("state_idle_hands_free");
  });

  it("turns failures into one short sentence, gone when the person speaks again", () => {
    let state = run([live({ event: "no_speech" })]);
    expect(state.problem?.key).toBe("error_no_speech");
    state = run([live({ event: "state", state: "listening" })], state);
    expect(state.problem).toBeNull();
    state = run([live({ event: "device_lost", message: "the microphone disappeared" })], state);
    expect(state.problem).toEqual({ key: "error_device_lost", detail: "the microphone disappeared" });
  });

  it("reports a missing microphone and failed loading from the status", () => {
    let state = run([
      {
        type: "status",
        status: status({
          problems: [
            { kind: "loudspeaker", message: "no loudspeaker found" },
            { kind: "microphone", message: "no microphone found" },
          ],
        }),
      },
    ]);
    expect(state.problem?.key).toBe("error_microphone");
    state = run([{ type: "status", status: status({}) }], state);
    expect(state.problem).toBeNull();
    state = run([{ type: "status", status: status({ phase: "failed", failure: "model whisper-base is corrupt" }) }], state);
    expect(state.problem?.key).toBe("error_load");
    state = run([live({ event: "no_speech" }), { type: "status", status: status({}) }]);
    expect(state.problem?.key).toBe("error_no_speech");
  });

  it("forgets everything for a new person", () => {
    const state = run([
      heard(0, "passport", "en"),
      answer(0, ["The stamp costs 500 dirhams."]),
      { type: "new_person" },
    ]);
    expect(state.transcript).toBe("");
    expect(state.answer).toBeNull();
  });

  it("names every engine's loading step with its own string", () => {
    const keys = Object.values(STEP_KEYS);
    expect(new Set(keys).size).toBe(keys.length);
    expect(STEP_KEYS.voice_detector).toBe("load_vad");
  });
});

describe("problems shown", () => {
  it("says when part of Aoun could not be loaded, after a missing microphone", () => {
    const degraded = ["the voices cannot be used (model onnxruntime is not installed): answers are shown as text only"];
    expect(statusProblem(status({ degraded }))).toEqual({ key: "error_degraded", detail: degraded[0] });
    const microphone = { kind: "microphone" as const, message: "no microphone" };
    expect(statusProblem(status({ degraded, problems: [microphone] }))?.key).toBe("error_microphone");
    expect(statusProblem(status({ degraded, phase: "loading" }))).toBeNull();
    expect(statusProblem(status({}))).toBeNull();
  });
});
