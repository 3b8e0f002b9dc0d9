package ingest

// parseReward reads a TRL preference row with a "margin" number, as the
// reward export writes it: the prompt, chosen and rejected fields as in
// parseTRL. The margin must be a number or null, but it is not kept,
// because a source label stores no strength.
func parseReward(rec record) (outcome, error) {
	if rec.isSet("margin") {
		raw, field, err := rec.value("margin")
		if err != nil {
			return outcome{}, err
		}
		if kind := jsonKind(raw); kind != "number" {
			return outcome{}, fieldError(field, "want a number, got %s", kind)
		}
	}
	return parseTRL(rec)
}
