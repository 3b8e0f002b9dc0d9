package quality

import (
	"math"
	"testing"
)

func TestMajorityAgreement(t *testing.T) {
	votes := []Vote{
		// Item 1: for alice, bob and carol the others are {0, 0, 1} with a
		// majority of 0; for dave they are {0, 0, 0}.
		{"item1", "alice", 0}, {"item1", "bob", 0},
		{"item1", "carol", 0}, {"item1", "dave", 1},
		// Item 2: for alice and bob the others are {2, 3}, a split with no
		// majority; for carol they are {2, 2}.
		{"item2", "alice", 2}, {"item2", "bob", 2}, {"item2", "carol", 3},
		// Item 3: no other annotator voted, so alice's vote is not counted.
		{"item3", "alice", 1},
	}
	want := []AnnotatorAgreement{
		{Annotator: "alice", Votes: 3, Counted: 1, Matched: 1},
		{Annotator: "bob", Votes: 2, Counted: 1, Matched: 1},
		{Annotator: "carol", Votes: 2, Counted: 2, Matched: 1},
		{Annotator: "dave", Votes: 1, Counted: 1, Matched: 0},
	}

	got := MajorityAgreement(votes)
	if len(got) != len(want) {
		t.Fatalf("got %d annotators, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// Half of the others' votes is not a strict majority.
func TestMajorityAgreementNeedsMoreThanHalf(t *testing.T) {
	votes := []Vote{
		{"item", "alice", 0},
		{"item", "bob", 0}, {"item", "bob", 1}, // bob voted twice
		{"item", "carol", 0}, {"item", "dave", 2},
	}
	got := MajorityAgreement(votes)

	// For alice the others are {0, 1, 0, 2}: 0 has two of four votes.
	if got[0].Annotator != "alice" || got[0].Counted != 0 {
		t.Errorf("alice: got %+v, want no counted votes", got[0])
	}
	// For bob the others are {0, 0, 2}, and both of bob's votes count.
	if got[1].Counted != 2 || got[1].Matched != 1 {
		t.Errorf("bob: got %+v, want Counted 2 and Matched 1", got[1])
	}
}

func TestAnnotatorAgreementShare(t *testing.T) {
	share := AnnotatorAgreement{Counted: 4, Matched: 3}.Share()
	if share != 0.75 {
		t.Errorf("got %v, want 0.75", share)
	}
	if share := (AnnotatorAgreement{}).Share(); !math.IsNaN(share) {
		t.Errorf("no counted votes: got %v, want NaN", share)
	}
}

func TestMajorityAgreementEmpty(t *testing.T) {
	if got := MajorityAgreement(nil); len(got) != 0 {
		t.Errorf("got %+v, want no entries", got)
	}
}
