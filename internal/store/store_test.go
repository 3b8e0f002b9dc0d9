package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/pairwise/pairwise/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func TestMigratedTemplate(t *testing.T) {
	db := storetest.New(t)
	var n int
	err := db.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM information_schema.tables WHERE table_name = 'judgments'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("judgments tables: got %d, want 1", n)
	}
}
