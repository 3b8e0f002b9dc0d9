package ingest

// detectExportFormat chooses one of the formats that only pairwise's
// export writes, or the TRL and OpenAI formats it follows, from the keys
// of a record:
//   - judgments: comparison_id and verdict;
//   - openai: input and preferred_output;
//   - reward: chosen, rejected and margin;
//   - kto: prompt, completion and label;
//   - sft: prompt and completion, or messages without prompt;
//   - rubric: prompt and response.
//
// It returns false when none fits.
func detectExportFormat(rec record) (Format, bool) {
	switch {
	case rec.has("comparison_id") && rec.has("verdict"):
		return FormatJudgments, true
	case rec.has("input") && rec.has("preferred_output"):
		return FormatOpenAI, true
	case rec.has("chosen") && rec.has("rejected") && rec.has("margin"):
		return FormatReward, true
	case rec.has("prompt") && rec.has("completion") && rec.has("label"):
		return FormatKTO, true
	case rec.has("prompt") && rec.has("completion"),
		rec.has("messages") && !rec.has("prompt"):
		return FormatSFT, true
	case rec.has("prompt") && rec.has("response"):
		return FormatRubric, true
	}
	return "", false
}
