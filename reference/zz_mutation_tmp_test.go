package reference_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/spec"
)

func TestTmpMutation(t *testing.T) {
	if os.Getenv("TMP_MUTATION") == "" {
		t.Skip()
	}
	names := reference.DeviationNames()
	sort.Strings(names)
	for _, n := range names {
		var d reference.Deviations
		val := ""
		switch n {
		case "BytesEnviron":
			val = "PATH_INFO"
		case "DropEnviron":
			val = "SERVER_PORT"
		}
		if err := d.Set(n, val); err != nil {
			t.Fatal(err)
		}
		r, err := reference.Start(reference.Options{Deviations: d, ReadTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		res := spec.Run(context.Background(), spec.NewTarget(r.Addr), spec.All(), spec.RunOptions{CheckTimeout: 20 * time.Second})
		var failed []string
		for _, x := range res {
			if x.Status != spec.Pass {
				failed = append(failed, x.Check.ID+"="+string(x.Status))
			}
		}
		r.Close()
		fmt.Printf("MUT %-32s %d: %s\n", n, len(failed), strings.Join(failed, " "))
	}
}
