import { describe, expect, it } from "vitest";
import { remainder, splitSentences, stateKey, statusProblem } from "../src/state";
import { stepKey } from "../src/view";

const answer = (text: string, lang = "en") => ({
  event: "answer" as const,
  answer: { text, lang, source: "template" as const, card: "passport", options: [] },
});

import { run, status } from "./fixtures";

describe("sentences", () => {
  it("splits an answer where it is spoken in pieces", () => {
    expect(splitSentences("The stamp costs 500 dirhams. Bring two photos!")).toEqual([
      "The stamp costs 500 dirhams.",
      "Bring two photos!",
    ]);
    expect(splitSentences("هل تريد التفاصيل؟ نعم.")).toEqual(["هل تريد التفاصيل؟", "نعم."]);
    expect(splitSentences("No final stop")).toEqual(["No final stop"]);
  });

  it("highlights each sentence as it starts playing, and none once idle", () => {
    let state = run([
      { type: "live", event: { event: "heard", transcript: { text: "How much is a passport?", language: "en" } } },
      { type: "live", event: { event: "speaking", text: "The stamp costs 500 dirhams." } },
    ]);
    expect(state.sentences).toEqual(["The stamp costs 500 dirhams."]);
    expect(state.current).toBe(0);
    state = run([{ type: "live", event: { event: "speaking", text: "Bring two photos." } }], state);
    expect(state.current).toBe(1);
    state = run([{ type: "live", event: answer("The stamp costs 500 dirhams. Bring two photos.") }], state);
    expect(state.sentences).toHaveLength(2);
    state = run([{ type: "live", event: { event: "state", state: "idle" } }], state);
    expect(state.current).toBe(-1);
    // Replay: the same sentences are highlighted again, not added.
    state = run([{ type: "live", event: { event: "speaking", text: "The stamp costs 500 dirhams." } }], state);
    expect(state.current).toBe(0);
    expect(state.sentences).toHaveLength(2);
  });

  it("replaces the answer with a question back said after it", () => {
    let state = run([
      { type: "live", event: { event: "speaking", text: "The stamp costs 500 dirhams." } },
      { type: "live", event: answer("The stamp costs 500 dirhams.") },
      { type: "live", event: { event: "state", state: "idle" } },
      { type: "live", event: { event: "state", state: "speaking" } },
      { type: "live", event: { event: "speaking", text: "I did not understand." } },
    ]);
    expect(state.sentences).toEqual(["I did not understand."]);
    state = run([{ type: "live", event: { event: "speaking", text: "Which document do you need?" } }], state);
    expect(state.sentences).toEqual(["I did not understand.", "Which document do you need?"]);
    expect(state.current).toBe(1);
    // Cut short, without going idle: the same.
    state = run([{ type: "live", event: { event: "interrupted" } }, { type: "live", event: { event: "speaking", text: "Again." } }], state);
    expect(state.sentences).toEqual(["Again."]);
  });

  it("shows the rest of the answer before it is spoken, then lights each sentence as it plays", () => {
    let state = run([
      { type: "live", event: { event: "heard", transcript: { text: "passport", language: "en" } } },
      { type: "live", event: { event: "speaking", text: "Fill in the form." } },
      { type: "live", event: answer("Fill in the form. Pay the stamp. Do you want the details?") },
    ]);
    expect(state.sentences).toEqual(["Fill in the form."]);
    expect(state.current).toBe(0);
    expect(state.upcoming).toBe("Pay the stamp. Do you want the details?");
    state = run([{ type: "live", event: { event: "speaking", text: "Pay the stamp." } }], state);
    expect(state.sentences).toEqual(["Fill in the form.", "Pay the stamp."]);
    expect(state.current).toBe(1);
    expect(state.upcoming).toBe("Do you want the details?");
    state = run([{ type: "live", event: { event: "speaking", text: "Do you want the details?" } }], state);
    expect(state.current).toBe(2);
    expect(state.upcoming).toBe("");
    // Replay and slower: back to the first sentence, nothing added.
    state = run(
      [
        { type: "live", event: { event: "state", state: "idle" } },
        { type: "live", event: { event: "speaking", text: "Fill in the form." } },
      ],
      state,
    );
    expect(state.current).toBe(0);
    expect(state.sentences).toHaveLength(3);
    // A new question clears what was still to come.
    state = run([{ type: "live", event: { event: "heard", transcript: { text: "id card", language: "en" } } }], state);
    expect(state.upcoming).toBe("");
  });

  it("finds what an answer says after its spoken sentences", () => {
    expect(remainder("One. Two. Three.", ["One."])).toBe("Two. Three.");
    expect(remainder("One. Two.", ["One.", "Two."])).toBe("");
    expect(remainder("One. Two.", [])).toBe("One. Two.");
    expect(remainder("One. Two.", ["Something else."])).toBe("");
  });

  it("shows a written answer whose sentences were never spoken", () => {
    const state = run([{ type: "live", event: answer("One. Two.") }]);
    expect(state.sentences).toEqual(["One.", "Two."]);
    expect(state.current).toBe(-1);
  });

  it("does not take a spoken control label for the answer", () => {
    let state = run([{ type: "live", event: answer("The stamp costs 500 dirhams.") }]);
    state = run(
      [
        { type: "label", text: "Say it again" },
        { type: "live", event: { event: "speaking", text: "Say it again" } },
      ],
      state,
    );
    expect(state.sentences).toEqual(["The stamp costs 500 dirhams."]);
    expect(state.labels).toEqual([]);
  });
});

describe("the event reducer", () => {
  it("follows the person into the language they speak", () => {
    let state = run([{ type: "live", event: { event: "heard", transcript: { text: "Combien coûte le passeport ?", language: "fr" } } }]);
    expect(state.lang).toBe("fr");
    expect(state.transcript).toBe("Combien coûte le passeport ?");
    state = run([{ type: "live", event: answer("الجواز كيكلف 500 درهم.", "ary") }], state);
    expect(state.lang).toBe("ary");
    state = run([{ type: "live", event: { event: "heard", transcript: { text: "hm", language: "de" } } }], state);
    expect(state.lang).toBe("ary");
    // Darija is heard as Arabic: the Darija window stays Darija until the answer says otherwise.
    state = run([{ type: "live", event: { event: "heard", transcript: { text: "شحال كيسوا الباسبور", language: "ar" } } }], state);
    expect(state.lang).toBe("ary");
    state = run([{ type: "live", event: answer("يكلف جواز السفر 500 درهم.", "ar") }], state);
    expect(state.lang).toBe("ar");
  });

  it("keeps a language chosen while the last answer was still coming", () => {
    let state = run([{ type: "live", event: { event: "heard", transcript: { text: "بغيت الباسبور", language: "ar" } } }]);
    state = run([{ type: "lang", lang: "ary" }], state);
    state = run([{ type: "live", event: answer("لم أفهم، أي وثيقة تحتاج؟", "ar") }], state);
    expect(state.lang).toBe("ary");
    // The next question heard: its answer leads again.
    state = run([{ type: "live", event: { event: "heard", transcript: { text: "Combien ?", language: "fr" } } }], state);
    state = run([{ type: "live", event: answer("Le timbre coûte 500 dirhams.", "fr") }], state);
    expect(state.lang).toBe("fr");
  });

  it("clears the last answer when a new question is heard", () => {
    const state = run([
      { type: "live", event: answer("Old answer.") },
      { type: "live", event: { event: "heard", transcript: { text: "new", language: "en" } } },
    ]);
    expect(state.answer).toBeNull();
    expect(state.sentences).toEqual([]);
  });

  it("shows the state under the talk button", () => {
    let state = run([{ type: "live", event: { event: "state", state: "thinking" } }]);
    expect(stateKey(state)).toBe("state_thinking");
    state = run([{ type: "live", event: { event: "state", state: "idle" } }, { type: "hands_free", on: true }], state);
    expect(stateKey(state)).toBe("state_idle_hands_free");
  });

  it("turns failures into one short sentence, gone when the person speaks again", () => {
    let state = run([{ type: "live", event: { event: "no_speech" } }]);
    expect(state.problem?.key).toBe("error_no_speech");
    state = run([{ type: "live", event: { event: "state", state: "listening" } }], state);
    expect(state.problem).toBeNull();
    state = run([{ type: "live", event: { event: "device_lost", message: "the microphone disappeared" } }], state);
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
    state = run([{ type: "live", event: { event: "no_speech" } }, { type: "status", status: status({}) }]);
    expect(state.problem?.key).toBe("error_no_speech");
  });

  it("forgets everything for a new person", () => {
    const state = run([
      { type: "live", event: { event: "heard", transcript: { text: "passport", language: "en" } } },
      { type: "live", event: answer("The stamp costs 500 dirhams.") },
      { type: "new_person" },
    ]);
    expect(state.transcript).toBe("");
    expect(state.answer).toBeNull();
  });

  it("names the loading steps", () => {
    expect(stepKey("speech recognition")).toBe("load_stt");
    expect(stepKey("the language model")).toBe("load_llm");
    expect(stepKey("voices")).toBe("load_voices");
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
