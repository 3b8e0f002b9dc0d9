package export

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
)

// RubricSource walks the rubric scores of a project's responses and
// returns the project, whose rubric names the columns.
type RubricSource interface {
	Project(ctx context.Context, id uuid.UUID) (labeling.Project, error)
	EachResponseRatings(ctx context.Context, projectID uuid.UUID,
		fn func(store.ResponseRatings) error) error
}

// rubricFixedColumns are the columns of a rubric row besides one per
// criterion, in the order they are written; "ratings" comes last.
var rubricFixedColumns = []string{"prompt", "response", "model", "response_id", "ratings"}

// rubricTypes builds the row types of a rubric file: prompt, response,
// model and response_id, then one nullable float column per criterion
// named by its key, then the ratings count. The standard type has the
// prompt as a string, the conversational type as a message list.
type rubricTypes struct {
	criteria                 []labeling.Criterion
	standard, conversational reflect.Type
}

func newRubricTypes(criteria []labeling.Criterion) (rubricTypes, error) {
	t := rubricTypes{criteria: criteria}
	for _, c := range criteria {
		if slices.Contains(rubricFixedColumns, c.Key) {
			return t, labeling.Errorf(labeling.ErrInvalid, "rubric criterion key %q is also the name "+
				"of a fixed column of the rubric format (%v); rename the criterion", c.Key, rubricFixedColumns)
		}
	}
	t.standard = t.rowType(reflect.TypeFor[string]())
	t.conversational = t.rowType(reflect.TypeFor[labeling.Conversation]())
	return t, nil
}

func (t rubricTypes) rowType(prompt reflect.Type) reflect.Type {
	field := func(name string, typ reflect.Type, key string) reflect.StructField {
		return reflect.StructField{Name: name, Type: typ, Tag: reflect.StructTag(`json:"` + key + `"`)}
	}
	str := reflect.TypeFor[string]()
	fields := []reflect.StructField{
		field("Prompt", prompt, "prompt"),
		field("Response", str, "response"),
		field("Model", str, "model"),
		field("ResponseID", str, "response_id"),
	}
	for i, c := range t.criteria {
		fields = append(fields, field(fmt.Sprintf("Criterion%d", i), reflect.TypeFor[*jsonFloat](), c.Key))
	}
	fields = append(fields, field("Ratings", reflect.TypeFor[int](), "ratings"))
	return reflect.StructOf(fields)
}

// row returns r as a row of the standard type, or of the conversational
// type when conversational is set or the prompt is not a single user
// message. Each criterion column is the mean of the annotators' scores
// for it, and nil (null) when none of them scored it.
func (t rubricTypes) row(r store.ResponseRatings, conversational bool) any {
	typ := t.standard
	if conversational || !r.Prompt.SingleTurn() {
		typ = t.conversational
	}
	v := reflect.New(typ).Elem()
	if typ == t.standard {
		v.Field(0).SetString(r.Prompt[0].Content)
	} else {
		v.Field(0).Set(reflect.ValueOf(clonePrompt(r.Prompt)))
	}
	v.Field(1).SetString(r.Content)
	v.Field(2).SetString(r.Model)
	v.Field(3).SetString(r.ID.String())
	for i, c := range t.criteria {
		if mean, ok := meanScore(r.Ratings, c.Key); ok {
			v.Field(4 + i).Set(reflect.ValueOf(&mean))
		}
	}
	v.Field(4 + len(t.criteria)).SetInt(int64(len(r.Ratings)))
	return v.Interface()
}

// meanScore returns the mean of the scores for key, and false when no
// rating has one.
func meanScore(ratings []labeling.Scores, key string) (jsonFloat, bool) {
	sum, n := 0, 0
	for _, s := range ratings {
		if v, ok := s[key]; ok {
			sum += v
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return jsonFloat(float64(sum) / float64(n)), true
}

// writeRubric writes one row per response of projectID that annotators
// gave rubric scores, in the style of HelpSteer2. A row has the prompt,
// the response, its model and id, the mean score of each criterion of
// the project's rubric, and the number of annotators who scored the
// response ("ratings"). Scores for
// criteria no longer in the rubric are left out. opts.Split, Seed and
// Ratios select prompts as in the other formats; Policy, MinVotes and
// Metadata do not apply. src must also be a RubricSource.
func writeRubric(ctx context.Context, w io.Writer, src DatasetSource, projectID uuid.UUID,
	opts DatasetOptions) (DatasetCounts, error) {
	rs, ok := src.(RubricSource)
	if !ok {
		return DatasetCounts{}, fmt.Errorf("export rubric of project %s: source %T has no rubric scores",
			projectID, src)
	}
	counts, err := opts.writeRatings(ctx, w, rs, projectID)
	if err != nil {
		return counts, fmt.Errorf("export rubric of project %s: %w", projectID, err)
	}
	return counts, nil
}

func (o DatasetOptions) writeRatings(ctx context.Context, w io.Writer, src RubricSource,
	projectID uuid.UUID) (DatasetCounts, error) {
	p, err := src.Project(ctx, projectID)
	if err != nil {
		return DatasetCounts{}, err
	}
	types, err := newRubricTypes(p.Criteria())
	if err != nil {
		return DatasetCounts{}, err
	}
	if !o.Conversational {
		if o.Conversational, err = anyMultiTurnRated(ctx, src, projectID); err != nil {
			return DatasetCounts{}, err
		}
	}
	prototype := reflect.Zero(types.standard).Interface()
	if o.Conversational {
		prototype = reflect.Zero(types.conversational).Interface()
	}
	rows, err := o.FileOptions().newRowWriter(w, prototype)
	if err != nil {
		return DatasetCounts{}, err
	}

	var counts DatasetCounts
	err = src.EachResponseRatings(ctx, projectID, func(r store.ResponseRatings) error {
		if o.Split != "" {
			split, err := promptSplit(r.Prompt, o.Seed, o.ratios())
			if err != nil {
				return fmt.Errorf("split response %s: %w", r.ID, err)
			}
			if split != o.Split {
				return nil
			}
		}
		if err := rows.Write(types.row(r, o.Conversational)); err != nil {
			return fmt.Errorf("response %s: %w", r.ID, err)
		}
		counts.Rows++
		return nil
	})
	if err != nil {
		return counts, err
	}
	return counts, rows.Close()
}

// anyMultiTurnRated reports whether any prompt of projectID, or without
// a PromptFormSource any rated response's prompt, is other than a single
// user message.
func anyMultiTurnRated(ctx context.Context, src RubricSource, projectID uuid.UUID) (bool, error) {
	each := func(fn func(store.ResponseRatings) error) error {
		return src.EachResponseRatings(ctx, projectID, fn)
	}
	return multiTurnIn(ctx, src, projectID, each,
		func(r store.ResponseRatings) labeling.Conversation { return r.Prompt })
}
