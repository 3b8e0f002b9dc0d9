package web

// importFormats are the choices of the import forms' format field, as
// ingest.ParseFormat accepts them.
var importFormats = []string{"auto", "pairs", "trl", "hh", "completions", "csv", "oasst",
	"reward", "kto", "openai", "sft", "rubric", "judgments"}
